"""Flink SQL types of an event, derived from the contract.

Every column is nullable: a source must not fail on a bad record, data quality is decided by
``dq_reason`` (flink_sql.py). ``timestamp_ms`` fields stay ``BIGINT`` epoch milliseconds as in the
JSON; ``flink_sql.event_time_expression`` turns the event time into ``TIMESTAMP_LTZ(3)``.
"""
from __future__ import annotations

from shopstream.contract.model import EventSchema, Field
from shopstream.contract.scalars import SCALARS


def flink_type(f: Field) -> str:
    """Flink SQL type of a field (``ARRAY<ROW<...>>`` for struct arrays)."""
    if f.type in SCALARS:
        return SCALARS[f.type].flink
    if f.type == "array<string>":
        return "ARRAY<STRING>"
    items = ", ".join(f"`{sub.name}` {flink_type(sub)}" for sub in f.fields)
    return f"ARRAY<ROW<{items}>>"


def flink_columns(schema: EventSchema) -> list[tuple[str, str]]:
    """(column name, Flink SQL type) for every field, in contract order."""
    return [(f.name, flink_type(f)) for f in schema.fields]


def flink_row_type(schema: EventSchema) -> str:
    """The whole event as one Flink ``ROW<...>`` type string (e.g. for a ``json``-format DDL)."""
    return "ROW<" + ", ".join(f"`{name}` {ftype}" for name, ftype in flink_columns(schema)) + ">"
