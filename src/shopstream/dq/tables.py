"""Output suites on ClickHouse tables: the table's schema checked from its metadata, its rows by Great
Expectations in bounded batches.

Expectations on the schema (``expect_table_engine``, ``expect_column_to_exist``,
``expect_column_values_to_be_of_type`` with a ClickHouse ``type_``) are judged from ``system.tables``
and ``system.columns``: every value of a ClickHouse column has the column's type, so its declared type
is what GE's SQL backends compare too (they reflect the table). The other expectations run in GE on the
rows, FINAL ones for a ReplacingMergeTree (what analysts read), read in the order of the table's key so
that every key's rows are in one batch: uniqueness holds over the whole table, not per batch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from shopstream.dq.ge import GreatExpectations, Tally, add_results
from shopstream.dq.runs import Outcome, column_of, from_tally
from shopstream.dq.suites import OutputSuite

SCHEMA_EXPECTATIONS = ("expect_table_engine", "expect_column_to_exist", "expect_column_values_to_be_of_type")
_WRAPPERS = re.compile(r"^(?:LowCardinality|Nullable)\((.*)\)$")


@dataclass(frozen=True)
class TableInfo:
    engine: str
    columns: dict[str, str]  # name -> ClickHouse type, in table order

    @property
    def merges_replays(self) -> bool:
        """Whether reading it needs FINAL to see one row per sorting key (a ReplacingMergeTree)."""
        return self.engine.endswith("ReplacingMergeTree")


def describe(client, database: str, table: str) -> TableInfo | None:
    """The table's engine and columns, or None when it does not exist."""
    params = {"db": database, "table": table}
    engines = client.query("select engine from system.tables where database = {db:String} and name = {table:String}",
                           parameters=params).result_rows
    if not engines:
        return None
    columns = client.query("select name, type from system.columns where database = {db:String} and "
                           "table = {table:String} order by position", parameters=params).result_rows
    return TableInfo(engines[0][0], dict(columns))


def base_type(ch_type: str) -> str:
    """A ClickHouse type without its LowCardinality and Nullable wrappers (storage choices, not types)."""
    while (m := _WRAPPERS.match(ch_type)) is not None:
        ch_type = m.group(1)
    return ch_type


def check_output(client, ge: GreatExpectations, suite: OutputSuite, database: str, *, batch_rows: int,
                 examples: int) -> list[Outcome]:
    """Every expectation of ``suite`` on its table. Those on a column the table lacks are left out
    (``expect_column_to_exist`` names it); a missing table fails ``expect_table_engine`` alone."""
    info = describe(client, database, suite.table)
    if info is None:
        return [_schema_outcome(suite, e, None) for e in suite.expectations
                if e["expectation_type"] == "expect_table_engine"]
    runnable = [e for e in suite.expectations if e["expectation_type"] == "expect_column_to_exist"
                or all(c in info.columns for c in _columns(e))]
    outcomes = [_schema_outcome(suite, e, info) for e in runnable if e["expectation_type"] in SCHEMA_EXPECTATIONS]
    rows = [e for e in runnable if e["expectation_type"] not in SCHEMA_EXPECTATIONS]
    if not rows:
        return outcomes
    key = [c for c in suite.key if c in info.columns]
    columns = [c for c in suite.spec.column_names if c in info.columns]
    sql = (f"select {', '.join(_quoted(c) for c in columns)} from {_quoted(database)}.{_quoted(suite.table)}"
           f"{' final' if info.merges_replays else ''}" + (f" order by {', '.join(map(_quoted, key))}" if key else ""))
    with client.query_df_stream(sql) as blocks:
        tallies = evaluate(ge, suite.name, rows, key_group_batches(blocks, key, batch_rows), key, examples)
    return outcomes + [from_tally(suite.product, suite.name, suite.table, e, t) for e, t in zip(rows, tallies)]


def evaluate(ge: GreatExpectations, name: str, expectations: Sequence[dict[str, Any]],
             batches: Iterable[pd.DataFrame], index_columns: Sequence[str], examples: int) -> list[Tally]:
    """Run ``expectations`` in GE on every batch and add the batches up."""
    tallies = [Tally() for _ in expectations]
    gx_suite = ge.suite(name, expectations)
    for frame in batches:
        add_results(tallies, ge.validate(frame, gx_suite, index_columns), len(frame), examples)
    return tallies


def key_group_batches(blocks: Iterable[pd.DataFrame], key: Sequence[str], batch_rows: int) -> Iterator[pd.DataFrame]:
    """Frames of about ``batch_rows`` rows from blocks ordered by ``key``, never splitting the rows of one
    key between two frames (a key with more rows than that makes one larger frame)."""
    pending: list[pd.DataFrame] = []
    held = 0
    for block in blocks:
        if block.empty:
            continue
        pending.append(block)
        held += len(block)
        while held >= batch_rows:
            frame = pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0].reset_index(drop=True)
            cut = _cut(frame, key, batch_rows)
            if cut == 0:  # one key fills the frame so far: read on
                pending, held = [frame], len(frame)
                break
            yield frame.iloc[:cut]
            rest = frame.iloc[cut:]
            pending, held = ([rest] if len(rest) else []), len(rest)
    if held:
        yield pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0].reset_index(drop=True)


def _cut(frame: pd.DataFrame, key: Sequence[str], limit: int) -> int:
    """Rows ``[0, cut)`` that can be validated now: as many as fit in ``limit`` without a key on both sides
    of ``cut`` (or, when the first key alone is longer, that key's rows), never the frame's last key, which
    may go on in the next block. 0: no such cut yet."""
    if not key:
        return min(limit, len(frame))
    keys = frame[list(key)]
    prev = keys.shift()
    differs = keys.ne(prev).fillna(True).astype(bool) & ~(keys.isna() & prev.isna())
    starts = np.flatnonzero(differs.any(axis=1).to_numpy()[1:]) + 1  # rows where a new key begins
    if not len(starts):
        return 0
    fitting = starts[starts <= limit]
    return int(fitting[-1]) if len(fitting) else int(starts[0])


def _columns(expectation: dict[str, Any]) -> list[str]:
    kwargs = expectation["kwargs"]
    return [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or ())


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _schema_outcome(suite: OutputSuite, e: dict[str, Any], info: TableInfo | None) -> Outcome:
    etype, kwargs = e["expectation_type"], e["kwargs"]
    if info is None:
        ok, detail = False, f"table {suite.table} does not exist (shopstream migrate creates it)"
    elif etype == "expect_table_engine":
        ok = info.engine.removeprefix("Shared").removeprefix("Replicated") == kwargs["engine"]
        detail = "" if ok else f"the table is a {info.engine}"
    elif etype == "expect_column_to_exist":
        ok = kwargs["column"] in info.columns
        detail = "" if ok else "no such column"
    else:
        actual = info.columns[kwargs["column"]]
        ok = base_type(actual) == base_type(kwargs["type_"])
        detail = f"stored as {actual}" + ("" if ok else f", specified {kwargs['type_']}")
    return Outcome(suite.product, suite.name, etype, e["meta"].get("reason", ""), suite.table, column_of(e), ok, 0,
                   None, (), detail)
