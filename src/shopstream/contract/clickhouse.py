"""ClickHouse column types of an event, derived from the contract.

Choices: enums and ``low_cardinality`` strings are ``LowCardinality(String)``; optional scalars are
``Nullable`` (``LowCardinality(Nullable(String))`` for low-cardinality ones); ``timestamp_ms`` integers
are ``DateTime64(3, 'UTC')``; ``array<string>`` is ``Array(String)`` (never Nullable in ClickHouse: an
absent array is stored empty); ``array<struct>`` is ``Array(Tuple(name Type, ...))`` with named
elements, which matches pyarrow ``list<struct>`` for Arrow inserts (``lines.qty`` reads a named
element, ``ARRAY JOIN lines AS l`` unnests it).
"""
from __future__ import annotations

from shopstream.contract.model import EventSchema, Field
from shopstream.contract.scalars import SCALARS


def clickhouse_type(f: Field, *, nullable: bool | None = None) -> str:
    """ClickHouse type of a field; ``nullable`` defaults to "not always required"."""
    nullable = (not f.required) if nullable is None else nullable
    if f.type == "array<string>":
        return "Array(String)"
    if f.type == "array<struct>":
        items = ", ".join(f"{sub.name} {clickhouse_type(sub, nullable=False)}" for sub in f.fields)
        return f"Array(Tuple({items}))"
    if f.logical == "timestamp_ms":
        base = "DateTime64(3, 'UTC')"
    else:
        base = SCALARS[f.type].clickhouse
    if f.type == "string" and (f.enum or f.low_cardinality):
        return f"LowCardinality(Nullable({base}))" if nullable else f"LowCardinality({base})"
    return f"Nullable({base})" if nullable else base


def clickhouse_columns(schema: EventSchema) -> list[tuple[str, str]]:
    """(column name, ClickHouse type) for every field, in contract order."""
    return [(f.name, clickhouse_type(f)) for f in schema.fields]


def clickhouse_comments(schema: EventSchema) -> dict[str, str]:
    """Column comments (the field descriptions), for ``COMMENT '...'`` clauses in DDL."""
    return {f.name: f.description for f in schema.fields}
