"""Data-quality expectations derived from a schema or an output specification, as plain data (Great
Expectations vocabulary).

Each entry is ``{"expectation_type", "kwargs", "meta"}`` as in a GE ``ExpectationConfiguration``;
``meta.reason`` names what failing it means. Input events (``expectations``): the reason code
``validate()`` reports. Item fields of struct arrays use the column ``lines[*].qty`` (every item). Two
entries are shopstream's own: ``expect_event_time_not_far_in_future`` (needs the arrival time) and the
uniqueness of event_id, which holds after deduplication only. Outputs (``output_expectations``): the
rows of the output's ClickHouse table; ``shopstream dq check`` runs both kinds (``shopstream.dq``).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

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

if TYPE_CHECKING:  # shopstream.outputs imports the contract package: no import cycle at run time
    from shopstream.outputs import OutputSpec

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


def output_expectations(spec: OutputSpec) -> list[dict[str, Any]]:
    """What every row of ``spec``'s ClickHouse table must satisfy, derived from the specification alone.

    Per column: it exists, with the specified ClickHouse type (``type_``: LowCardinality and Nullable are
    storage choices, nulls are judged on the values), and no nulls unless nullable; a key string is never
    empty (a non-Nullable ClickHouse String stores a missing key as ''); the version is not negative; and
    each key (with the version: outputs are append-only, one row per key and version) occurs once. The rows
    are those an analyst reads: FINAL ones of a ReplacingMergeTree. ``expect_table_engine`` is shopstream's own.
    """
    out: list[dict[str, Any]] = [_output(spec, "expect_table_engine", {"engine": spec.engine}, "wrong_engine",
                                         f"the table is a {spec.engine}")]
    for c in spec.columns:
        out.append(_output(spec, "expect_column_to_exist", {"column": c.name}, f"missing_column:{c.name}",
                           c.description))
        out.append(_output(spec, "expect_column_values_to_be_of_type", {"column": c.name, "type_": c.ch_type()},
                           f"wrong_type:{c.name}", f"{c.type} stored as {c.ch_type()}"))
    out += [_output(spec, "expect_column_values_to_not_be_null", {"column": c.name}, f"null_value:{c.name}",
                    "never null") for c in spec.columns if not c.nullable]
    out += [_output(spec, "expect_column_value_lengths_to_be_between", {"column": c.name, "min_value": 1},
                    f"empty_key:{c.name}", "a key string is never empty")
            for c in (spec.column(k) for k in spec.key) if c.type == "string" and not c.nullable]
    if spec.version:
        out.append(_output(spec, "expect_column_values_to_be_between", {"column": spec.version, "min_value": 0},
                           f"negative_version:{spec.version}", "the version orders the records of a key"))
    key = table_key(spec)
    unique = (("expect_column_values_to_be_unique", {"column": key[0]}) if len(key) == 1 else
              ("expect_compound_columns_to_be_unique", {"column_list": list(key)}))
    out.append(_output(spec, *unique, "duplicate_key", f"one row per {', '.join(key)}"))
    return out


def table_key(spec: OutputSpec) -> tuple[str, ...]:
    """The columns that identify a row of the output's table: the key, and the version when there is one."""
    return spec.key + ((spec.version,) if spec.version and spec.version not in spec.key else ())


def _output(spec: OutputSpec, etype: str, kwargs: dict[str, Any], reason: str, description: str) -> dict[str, Any]:
    return {"expectation_type": etype, "kwargs": kwargs,
            "meta": {"reason": reason, "output": spec.name, "description": description}}
