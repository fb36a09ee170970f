"""Great Expectations on pandas batches: the derived suites (plain data) evaluated by GE, batch by batch.

Why pandas and not GE's SQL datasource: GE reaches SQL stores through SQLAlchemy, which this project
does not install (GE's ClickHouse support, through clickhouse-sqlalchemy, is marked experimental). The
rows are fetched with clickhouse-connect in bounded batches instead and each batch is validated here;
:class:`Tally` adds the batches up. One ephemeral context (no files, no analytics, no progress bars)
serves a whole run.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import pandas as pd

@dataclass
class Tally:
    """One expectation over every batch: rows seen, rows failing, a few of them, and any GE error."""

    rows: int = 0
    failing: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.failing == 0 and not self.errors

    def add(self, rows: int, failing: Sequence[dict[str, Any]], keep: int) -> None:
        """``rows`` more rows seen, ``failing`` of them failed; keep up to ``keep`` examples in all."""
        self.rows += rows
        self.failing += len(failing)
        self.examples.extend(failing[:max(keep - len(self.examples), 0)])

    def error(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


Results = dict[int, tuple[list[dict[str, Any]], str | None]]


def add_results(tallies: Sequence[Tally], results: Results, rows: int, examples: int,
                distinct_by: Sequence[str] = ()) -> None:
    """Add one batch's results (``GreatExpectations.validate``) of ``rows`` rows to the tallies; with
    ``distinct_by``, failing entries that share those columns count once (the items of one event)."""
    for n, (failing, error) in results.items():
        if error:
            tallies[n].rows += rows
            tallies[n].error(error)
            continue
        if distinct_by:
            firsts: dict[tuple, dict[str, Any]] = {}
            for f in failing:
                firsts.setdefault(tuple(f.get(c) for c in distinct_by), f)
            failing = list(firsts.values())
        tallies[n].add(rows, failing, examples)


class GreatExpectations:
    """An ephemeral GE context with one pandas dataframe asset; ``suite()`` builds a GE suite once,
    ``validate()`` runs it on one batch."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )
        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(), analytics_enabled=False,
                                   progress_bars=ProgressBarsConfig(globally=False))
        self._gx = gx
        context = gx.get_context(project_config=config, mode="ephemeral")
        asset = context.data_sources.add_pandas("shopstream_dq").add_dataframe_asset("rows")
        self._batches = asset.add_batch_definition_whole_dataframe("batch")

    def suite(self, name: str, expectations: Iterable[dict[str, Any]]):
        """A GE suite of plain-data expectations (``expectation_type``, ``kwargs``); each one's position is
        its ``meta.n``, by which ``validate`` reports it."""
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
        suite = self._gx.ExpectationSuite(name=name)
        for n, e in enumerate(expectations):
            suite.add_expectation_configuration(
                ExpectationConfiguration(type=e["expectation_type"], kwargs=e["kwargs"], meta={"n": n}))
        return suite

    def validate(self, frame: pd.DataFrame, suite, index_columns: Sequence[str]) -> Results:
        """Per expectation position: the failing rows (their ``index_columns`` and the checked column,
        as plain values) and the error message when GE could not evaluate it on this batch."""
        batch = self._batches.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format={
            "result_format": "COMPLETE", "unexpected_index_column_names": list(index_columns),
            "return_unexpected_index_query": False})
        out: Results = {}
        for r in result.results:
            n = r.expectation_config.meta["n"]
            message = _exception_message(r.exception_info)
            if message:
                out[n] = ([], message)
                continue
            failing = r.result.get("unexpected_index_list") or []
            if not r.success and not failing and r.result.get("unexpected_count") is None:
                out[n] = ([], f"failed: {json.dumps(r.result, default=str)[:200]}")
                continue
            out[n] = ([{k: plain(v) for k, v in row.items()} for row in failing], None)
        return out


def _exception_message(info: Any) -> str | None:
    """GE reports an exception either flat or per metric; the first message, if any was raised."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "GE raised an exception")
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def plain(value: Any) -> Any:
    """A JSON-friendly value: numpy scalars unwrapped, pandas and float NaNs as None, times as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool, dict)):
        return value
    return str(value)
