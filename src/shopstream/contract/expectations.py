"""Data-quality expectations derived from a schema, as plain data (Great Expectations vocabulary).

Each entry is ``{"expectation_type", "kwargs", "meta"}`` as in a GE ``ExpectationConfiguration``;
``meta.reason`` is the reason code ``validate()`` reports when the expectation fails. Item fields
of struct arrays use the column ``lines[*].qty`` (every item). Two entries are shopstream's own:
``expect_event_time_not_far_in_future`` (needs the arrival time) and the uniqueness of event_id,
which holds after deduplication only.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from shopstream.contract.checks import (
    ABOVE_MAX,
    BELOW_MIN,
    DEFAULT_MAX_FUTURE_MS,
    FAR_FUTURE_TS,
    MISSING_FIELD,
    NOT_IN_ENUM,
    UNKNOWN_CURRENCY,
    WRONG_TYPE,
    Check,
    check_plan,
)
from shopstream.contract.model import EventSchema
from shopstream.contract.reference import currency_codes
from shopstream.contract.scalars import SCALARS

_PY_TYPES = {**{name: scalar.python for name, scalar in SCALARS.items()},
             "array<string>": "list", "array<struct>": "list"}


def expectations(schema: EventSchema, *, max_future_ms: int = DEFAULT_MAX_FUTURE_MS,
                 currencies: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The checks of ``schema`` in canonical order, one expectation per check (plus event_id uniqueness)."""
    codes = sorted(currencies if currencies is not None else currency_codes())
    out = [_expectation(schema, c, max_future_ms, codes) for c in check_plan(schema)]
    if "event_id" in schema.field_names():
        out.append({"expectation_type": "expect_column_values_to_be_unique", "kwargs": {"column": "event_id"},
                    "meta": {"reason": "duplicate_event_id", "stateful": True,
                             "description": "Holds after deduplication on event_id; raw topics carry re-sent duplicates."}})
    return out


def _column(check: Check) -> str:
    return f"{check.parent.name}[*].{check.field.name}" if check.parent else check.field.name


def _expectation(schema: EventSchema, check: Check, max_future_ms: int, codes: list[str]) -> dict[str, Any]:
    f = check.field
    kwargs: dict[str, Any] = {"column": _column(check)}
    if check.kind == MISSING_FIELD:
        etype = "expect_column_values_to_not_be_null"
        if f.required_when:
            kwargs["row_condition"] = " and ".join(f"{k} in {json.dumps(list(v))}" for k, v in f.required_when.items())
            kwargs["condition_parser"] = "pandas"
    elif check.kind == WRONG_TYPE:
        etype = "expect_column_values_to_be_of_type"
        kwargs["type_"] = _PY_TYPES[f.type]
    elif check.kind == NOT_IN_ENUM:
        etype = "expect_column_values_to_be_in_set"
        kwargs["value_set"] = list(f.enum or ())
    elif check.kind in (BELOW_MIN, ABOVE_MAX):
        etype = ("expect_column_value_lengths_to_be_between" if f.is_array
                 else "expect_column_values_to_be_between")
        kwargs["min_value" if check.kind == BELOW_MIN else "max_value"] = (
            f.min if check.kind == BELOW_MIN else f.max)
    elif check.kind == UNKNOWN_CURRENCY:
        etype = "expect_column_values_to_be_in_set"
        kwargs["value_set"] = codes
    elif check.kind == FAR_FUTURE_TS:
        etype = "expect_event_time_not_far_in_future"
        kwargs["max_future_ms"] = max_future_ms
        kwargs["arrival_column"] = "kafka_ts_ms"
    else:
        raise AssertionError(check.kind)
    return {"expectation_type": etype, "kwargs": kwargs,
            "meta": {"reason": check.reason, "schema": schema.name, "description": f.description}}
