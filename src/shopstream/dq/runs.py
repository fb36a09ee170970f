"""What one ``shopstream dq check`` found: an outcome per expectation, printed for people and recorded
in ClickHouse (``dq_runs``, migration 0007), one row per outcome."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Sequence

from shopstream.dq.ge import Tally

DQ_RUN_COLUMNS = ["run_id", "started_at", "scope", "product", "suite", "expectation", "reason", "table", "column",
                  "success", "evaluated_rows", "failing_rows", "examples", "detail"]


@dataclass(frozen=True)
class Outcome:
    """One expectation of one suite on one table. ``failing_rows`` is None for expectations on the table's
    schema (engine, columns, types); ``examples`` are failing rows, as JSON objects of their key columns."""

    product: str
    suite: str
    expectation: str
    reason: str
    table: str
    column: str
    success: bool
    evaluated_rows: int
    failing_rows: int | None
    examples: tuple[str, ...] = ()
    detail: str = ""


@dataclass
class Run:
    run_id: str
    started_at: datetime
    scope: str                      # the product checked, or "all"
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]


def column_of(expectation: dict[str, Any]) -> str:
    kwargs = expectation["kwargs"]
    return kwargs.get("column") or ", ".join(kwargs.get("column_list") or ())


def from_tally(product: str, suite: str, table: str, expectation: dict[str, Any], tally: Tally) -> Outcome:
    """The outcome of a row expectation evaluated batch by batch."""
    detail = "; ".join(tally.errors)
    if tally.errors:
        detail = f"could not be evaluated: {detail}"
    return Outcome(product, suite, expectation["expectation_type"], expectation["meta"].get("reason", ""), table,
                   column_of(expectation), tally.success, tally.rows, tally.failing,
                   tuple(json.dumps(e, default=str, sort_keys=True) for e in tally.examples), detail)


def record(client, run: Run) -> int:
    """Insert the run's outcomes into ``dq_runs`` (writer client); returns the rows written."""
    rows = [[run.run_id, run.started_at, run.scope, o.product, o.suite, o.expectation, o.reason, o.table, o.column,
             o.success, o.evaluated_rows, o.failing_rows, list(o.examples), o.detail] for o in run.outcomes]
    if rows:
        client.insert("dq_runs", rows, column_names=DQ_RUN_COLUMNS)
    return len(rows)


def report(run: Run) -> list[str]:
    """Per suite: how many expectations passed, then each failure with where it is and a few examples."""
    lines: list[str] = []
    suites: dict[tuple[str, str, str], list[Outcome]] = {}
    for o in run.outcomes:
        suites.setdefault((o.product, o.suite, o.table), []).append(o)
    for (product, suite, table), outcomes in suites.items():
        bad = [o for o in outcomes if not o.success]
        # an input suite's dead letters are judged per reason, each row once; other rows meet every expectation
        per_reason = suite.startswith("input:") and table == "dead_letters"
        counts = [o.evaluated_rows for o in outcomes]
        rows = sum(counts) if per_reason else max(counts)
        lines.append(f"{'FAIL' if bad else 'ok  '} {product}/{suite} on {table}: {len(outcomes) - len(bad)} of "
                     f"{len(outcomes)} expectations met over {rows:,} rows")
        lines += [f"     {line}" for o in bad for line in _failure(o)]
    if not run.outcomes:
        lines.append(f"no output of {run.scope} lands one-to-one in a ClickHouse table: no suite to run")
    failed = run.failed
    lines.append(f"dq check {run.run_id} ({run.scope}): {len(run.outcomes)} expectations, "
                 + (f"{len(failed)} failed" if failed else "all met"))
    return lines


def _failure(o: Outcome) -> Sequence[str]:
    where = f"{o.table}.{o.column}" if o.column else o.table
    counted = f": {o.failing_rows:,} of {o.evaluated_rows:,} rows" if o.failing_rows else ""
    head = f"{o.expectation} [{o.reason}] {where}{counted}" + (f" ({o.detail})" if o.detail else "")
    return [head] + [f"  e.g. {e}" for e in o.examples]
