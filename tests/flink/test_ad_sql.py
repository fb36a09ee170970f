"""The ad job's SQL (staging, the profile views it needs, the ad layer) on in-memory rows at
parallelism 1, compared with the batch computation of tests/e2e/ad_reference.py: the click join with
orphans, last-click conversions, the segment as of each fact, sliding windows and spend today."""
from __future__ import annotations

import pytest

from shopstream.generator import GenerationParams
from shopstream.settings import load_settings
from tests.e2e.ad_reference import compute_ads
from tests.e2e.reference import accept
from tests.flink.inmemory import apply_views, generated_records, table_env_with_sources

pytestmark = pytest.mark.flink

WINDOW_COLUMNS = ("level, entity, window_name, as_of_ms, impressions, clicks, orphan_clicks, conversions, "
                  "revenue_minor, spend_minor")


def in_memory_records():
    return generated_records(GenerationParams(seed=11, users=30, products=60, start_ms=1_790_000_000_000, days=1.0,
                                              events=6000, bad_share=0.03, late_share=0.02, duplicate_share=0.03,
                                              orphan_click_share=0.3))


@pytest.fixture(scope="module")
def results():
    from shopstream.flink.runner import load_job
    from shopstream.products.ad_features.layer import BRANCHES, WINDOWS

    settings = load_settings()
    records = in_memory_records()
    t_env = table_env_with_sources(settings, records, "ad_sql_test")
    apply_views(t_env, load_job("ad_features"), settings, "ad_sql_test")
    windows = " union all ".join(f"select {WINDOW_COLUMNS} from ad_window_{b}_{w}" for b in BRANCHES for w in WINDOWS)
    queries = {
        "windows": windows,
        "performance": ("select tile_end_ms - 60000, ad_id, campaign_id, placement, segment, country, device, "
                        "impressions, clicks, orphan_clicks, conversions, revenue_minor, spend_minor "
                        "from ad_segment_minute where level = 'performance'"),
        "spend": "select campaign_id, day_start_ms, as_of_ms, spend_today_minor, clicks_today from campaign_spend_today",
    }
    got = {}
    for name, query in queries.items():
        with t_env.execute_sql(query).collect() as rows:
            got[name] = {tuple(r) for r in rows}
    accepted = accept(records["clickstream"] + records["orders"],
                      topics={"clickstream": "clickstream", "orders": "orders"},
                      watermark_delay_ms=settings.events.watermark_delay_ms)
    expected = compute_ads(accepted, settings_ads=settings.ads, currency_out=settings.events.reporting_currency)
    return got, expected


def _diff(got: set, want: set) -> str:
    return f"missing {sorted(want - got)[:5]}\nunexpected {sorted(got - want)[:5]}"


def test_the_data_exercises_orphans_conversions_and_segments(results):
    _, expected = results
    assert expected.orphan_clicks >= 2 and expected.conversions >= 2
    segments = {row[4] for row in expected.performance_rows}
    assert len(segments) >= 3, segments


def test_window_rows_equal_the_batch_computation(results):
    got, expected = results
    assert got["windows"] == expected.window_rows, _diff(got["windows"], expected.window_rows)


def test_performance_minutes_equal_the_batch_computation(results):
    got, expected = results
    assert got["performance"] == expected.performance_rows, _diff(got["performance"], expected.performance_rows)


def test_spend_today_equals_the_batch_computation(results):
    got, expected = results
    assert got["spend"] == expected.spend_rows, _diff(got["spend"], expected.spend_rows)
