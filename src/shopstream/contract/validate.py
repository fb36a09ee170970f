"""Pure-Python validation of one message against its schema (the reference for Flink's dq_reason)."""
from __future__ import annotations

import json
from typing import Any, Callable, Mapping

from shopstream.contract.checks import (
    ABOVE_MAX,
    BELOW_MIN,
    DEFAULT_MAX_FUTURE_MS,
    FAR_FUTURE_TS,
    MALFORMED_JSON,
    MISSING_FIELD,
    NOT_AN_OBJECT,
    NOT_IN_ENUM,
    UNKNOWN_CURRENCY,
    WRONG_TYPE,
    Check,
    check_plan,
)
from shopstream.contract.model import INTEGER_RANGES, EventSchema, Field
from shopstream.contract.reference import currency_codes

Reason = str
"""A reason code such as ``missing_field:ts`` or ``unknown_currency`` (see checks.py)."""

Payload = bytes | str | Mapping[str, Any] | None


def validate(payload: Payload, schema: EventSchema, *, max_future_ms: int = DEFAULT_MAX_FUTURE_MS,
             now_ms: int | None = None, currencies: frozenset[str] | None = None) -> list[Reason]:
    """Every reason ``payload`` breaks the contract, canonical order; ``[]`` when valid.

    ``now_ms`` is the reference time of the far-future check (for a stream: the Kafka record
    timestamp); without it the check is skipped. ``currencies`` defaults to the FX reference file.
    """
    doc, reason = parse_payload(payload)
    if reason:
        return [reason]
    ctx = _Context(doc, currencies if currencies is not None else currency_codes(), now_ms, max_future_ms)
    return [check.reason for check in check_plan(schema) if _FAILS[check.kind](check, ctx)]


def parse_payload(payload: Payload) -> tuple[dict[str, Any], Reason | None]:
    """The JSON object of ``payload``, or the JSON-level reason it is unusable."""
    if isinstance(payload, Mapping):
        return dict(payload), None
    if payload is None:
        return {}, MALFORMED_JSON
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        doc = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        return {}, MALFORMED_JSON
    if not isinstance(doc, dict):
        return {}, NOT_AN_OBJECT
    return doc, None


def type_ok(f: Field, value: Any) -> bool:
    """Whether a non-null JSON value has the field's type (JSON numbers with a fraction or exponent are not integers)."""
    return type_test(f)(value)


def type_test(f: Field) -> Callable[[Any], bool]:
    """``value -> bool``: the type check of ``f``, built once (the staging hot path keeps it)."""
    if f.type == "string":
        return lambda v: isinstance(v, str)
    if f.type in INTEGER_RANGES:
        low, high = INTEGER_RANGES[f.type]
        return lambda v: type(v) is int and low <= v <= high
    if f.type == "float64":
        return lambda v: type(v) in (int, float)
    if f.type == "bool":
        return lambda v: isinstance(v, bool)
    if f.type == "array<string>":
        return lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
    if f.type == "array<struct>":
        return lambda v: isinstance(v, list)
    raise AssertionError(f.type)


class _Context:
    __slots__ = ("doc", "currencies", "now_ms", "max_future_ms")

    def __init__(self, doc: dict[str, Any], currencies: frozenset[str], now_ms: int | None,
                 max_future_ms: int) -> None:
        self.doc, self.currencies, self.now_ms, self.max_future_ms = doc, currencies, now_ms, max_future_ms


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _items(check: Check, ctx: _Context) -> list[Any] | None:
    """The items of the parent array of an item-field check, if the parent is a JSON array."""
    assert check.parent is not None
    items = ctx.doc.get(check.parent.name)
    return items if isinstance(items, list) else None


def _item_values(check: Check, ctx: _Context) -> list[Any]:
    """Non-null values of an item field, over the object items of the parent array."""
    items = _items(check, ctx) or []
    name = check.field.name
    return [it[name] for it in items if isinstance(it, dict) and it.get(name) is not None]


def _missing(check: Check, ctx: _Context) -> bool:
    if check.parent is None:
        return ctx.doc.get(check.field.name) is None and _schema_requires(check, ctx)
    items = _items(check, ctx)
    name = check.field.name
    return items is not None and any(not isinstance(it, dict) or it.get(name) is None for it in items)


def _schema_requires(check: Check, ctx: _Context) -> bool:
    f = check.field
    if f.required:
        return True
    assert f.required_when
    return all(isinstance(ctx.doc.get(k), str) and ctx.doc[k] in v for k, v in f.required_when.items())


def _wrong_type(check: Check, ctx: _Context) -> bool:
    if check.parent is None:
        value = ctx.doc.get(check.field.name)
        return value is not None and not type_ok(check.field, value)
    return any(not type_ok(check.field, v) for v in _item_values(check, ctx))


def _not_in_enum(check: Check, ctx: _Context) -> bool:
    value = ctx.doc.get(check.field.name)
    assert check.field.enum is not None
    return isinstance(value, str) and value not in check.field.enum


def _measures(check: Check, ctx: _Context) -> list[int | float]:
    """The typed numbers a bound applies to: the value, each item's value, or an array's length."""
    f = check.field
    if check.parent is not None:
        return [v for v in _item_values(check, ctx) if type_ok(f, v)]
    value = ctx.doc.get(f.name)
    if value is None or not type_ok(f, value):
        return []
    return [len(value)] if f.is_array else [value]


def _below_min(check: Check, ctx: _Context) -> bool:
    return any(v < check.field.min for v in _measures(check, ctx))  # type: ignore[operator]


def _above_max(check: Check, ctx: _Context) -> bool:
    return any(v > check.field.max for v in _measures(check, ctx))  # type: ignore[operator]


def _unknown_currency(check: Check, ctx: _Context) -> bool:
    value = ctx.doc.get(check.field.name)
    return isinstance(value, str) and value not in ctx.currencies


def _far_future(check: Check, ctx: _Context) -> bool:
    value = ctx.doc.get(check.field.name)
    return (ctx.now_ms is not None and value is not None and type_ok(check.field, value)
            and value > ctx.now_ms + ctx.max_future_ms)


_FAILS: dict[str, Callable[[Check, _Context], bool]] = {
    MISSING_FIELD: _missing,
    WRONG_TYPE: _wrong_type,
    NOT_IN_ENUM: _not_in_enum,
    BELOW_MIN: _below_min,
    ABOVE_MAX: _above_max,
    UNKNOWN_CURRENCY: _unknown_currency,
    FAR_FUTURE_TS: _far_future,
}
