"""Insert each keyed row at most once: the guard that keeps materialized views exact under replays.

A materialized view sees every block inserted into its source table, so a ReplacingMergeTree source
deduplicates its own rows but not the sums a view derived from them. The loader of such a table is
at-least-once (it commits its Kafka offsets after the write), so after a crash it writes some rows
again. ``insert_absent`` looks up which keys of the batch the table already holds and inserts only the
others, so a replayed row never reaches the views twice. This is exact as long as one loader writes
the table (no other writer can slip a key in between the lookup and the insert); a crash after the
insert and before the offset commit is harmless, since the replay then finds those keys.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from clickhouse_connect.driver.client import Client

Row = Sequence[Any]
Key = tuple[Hashable, ...]


def canonical(value: Any) -> Hashable:
    """A comparable form of a key value: aware datetimes as naive UTC (ClickHouse DateTime is UTC inside)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def key_of(row: Row, positions: Sequence[int]) -> Key:
    return tuple(canonical(row[i]) for i in positions)


def key_positions(column_names: Sequence[str], key_columns: Sequence[str]) -> list[int]:
    missing = [c for c in key_columns if c not in column_names]
    if missing or not key_columns:
        raise ValueError(f"key columns {', '.join(missing) or '(none)'} are not among the inserted columns "
                         f"{', '.join(column_names)}")
    return [list(column_names).index(c) for c in key_columns]


def absent_rows(rows: Iterable[Row], positions: Sequence[int], existing: Iterable[Key]) -> list[Row]:
    """The rows whose key is not in ``existing`` nor in an earlier row of the batch (first copy wins)."""
    seen = {tuple(canonical(v) for v in key) for key in existing}
    keep = []
    for row in rows:
        key = key_of(row, positions)
        if key not in seen:
            seen.add(key)
            keep.append(row)
    return keep


def lookup_query(table: str, key_columns: Sequence[str], range_column: str, filter_column: str | None) -> str:
    """SELECT of the stored keys that can collide with a batch: within the batch's range of
    ``range_column`` and, when given, among its values of ``filter_column`` (the leading sort key)."""
    where = [f"{range_column} between %(low)s and %(high)s"]
    if filter_column is not None:
        where.append(f"{filter_column} in %(values)s")
    return f"select distinct {', '.join(key_columns)} from {table} where {' and '.join(where)}"


def insert_absent(client: Client, table: str, column_names: Sequence[str], rows: Sequence[Row],
                  key_columns: Sequence[str], range_column: str | None = None) -> int:
    """Insert the rows (tuples in ``column_names`` order) whose ``key_columns`` tuple is not in ``table``
    yet, in one insert; returns how many were inserted.

    The lookup is bounded by the batch's min and max of ``range_column`` (default: the last key column,
    the time of the row) and by the distinct values of the first key column.
    """
    if not rows:
        return 0
    positions = key_positions(column_names, key_columns)
    range_column = range_column or key_columns[-1]
    range_at = key_positions(column_names, [range_column])[0]
    filter_column = key_columns[0] if key_columns[0] != range_column else None
    span = [canonical(row[range_at]) for row in rows]
    params: dict[str, Any] = {"low": min(span), "high": max(span)}
    if filter_column is not None:
        params["values"] = tuple(sorted({row[positions[0]] for row in rows}))
    existing = client.query(lookup_query(table, key_columns, range_column, filter_column),
                            parameters=params).result_rows
    fresh = absent_rows(rows, positions, existing)
    if fresh:
        client.insert(table, [list(row) for row in fresh], column_names=list(column_names))
    return len(fresh)
