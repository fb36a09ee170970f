"""Order statistics used by the benchmark's latency and freshness figures."""
from __future__ import annotations

import pytest

from bench.stats import percentile, summarize


def test_percentile_interpolates_between_closest_ranks():
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 100) == 4.0
    assert percentile(values, 99) == pytest.approx(3.97)


def test_percentile_of_one_value_and_of_none():
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_percentile_rejects_out_of_range():
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarize_scales_and_rounds():
    s = summarize([0.001, 0.002, 0.003], scale=1000, digits=2)
    assert s == {"n": 3, "p50": 2.0, "p90": 2.8, "p99": 2.98, "max": 3.0, "mean": 2.0}
    assert summarize([])["p99"] is None
