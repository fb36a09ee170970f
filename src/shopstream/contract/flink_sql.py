"""Flink SQL (2.3) rendered from the contract: typed extraction from a raw JSON payload and ``dq_reason``.

A job reads each topic as a raw ``STRING`` payload plus the Kafka record timestamp (epoch ms, the
"now" of the far-future check) and selects::

    select <passthrough>, <dq_reason_expression(...)> as dq_reason, <extraction_columns(...)> from src

``render_select`` writes that statement. Rows with ``dq_reason is null`` are valid; the others go to
the dead-letter table with their raw payload. ``dq_reason`` returns exactly what
``validate(payload, schema, now_ms=kafka_ts)[0]`` returns (tests/flink/test_contract_sql.py).

How types are checked with Flink 2.3's JSON functions (``JSON_VALUE ... RETURNING BIGINT`` does not
exist there, and ``JSON_VALUE`` happily returns ``'12'`` for the string ``"12"``):

* ``json_query(p, '$.f' with array wrapper)`` serialises the value inside ``[...]``, so its first
  characters tell the JSON type: ``["`` string, ``[[`` array, ``[{`` object, ``[true]``, and numbers;
  an integer matches ``^\\[-?[0-9]+\\]$`` (``12.0`` and ``1E+3`` do not) and must fit the SQL type.
  Absent and ``null`` values both give SQL NULL (the contract treats ``null`` as absent).
* Item fields of ``array<struct>`` are counted with JSON path filters: items whose field is present
  (``$.lines[*].qty`` minus ``$.lines[?(@.qty == null)]``) and items whose field has the right type
  (``@.qty =~ /-?[0-9]+/ && @.qty >= lo && @.qty <= hi``; strings: ``@.f >= ''``).
* Fast path: a valid message is recognised with one filter over the root object that checks the
  exact key count and every scalar field of its event type (``@.length() == 9 && @.ts =~ ...``),
  plus one count per array field; only then the far-future check runs. Anything else falls through
  to the full, ordered list of checks. The fast path only ever says "valid", so it cannot change a
  reason; it cuts the number of JSON parses of a valid message from ~100 to ~5 (Flink 2.3 parses
  the payload once per JSON function call and does not share sub-expressions).
* Never use ``exists`` filters (``[?(@.f)]``), ``!`` or ``in [...]`` lists in JSON paths on Flink 2.3:
  they need json-smart, which Flink does not ship, and fail the task.

Struct arrays (``lines``) come out as one typed array per item field, aligned by position
(``lines_product_id ARRAY<STRING>``, ``lines_qty ARRAY<INT>``, ...); Flink 2.3 cannot build
``ARRAY<ROW>`` from JSON in one call. Per-line rows::

    cross join unnest(lines_category) with ordinality as l(category, line_no)
    ... lines_unit_price_minor[line_no] * lines_qty[line_no] ...

Derived fields (``order_total_minor``) are rendered as a lazily nested sum over item positions up
to the array's ``max``; a message with more items is invalid (``above_max:lines``) anyway.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

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
from shopstream.contract.flink_types import flink_type
from shopstream.contract.model import INTEGER_RANGES, DerivedField, EventSchema, Field
from shopstream.contract.reference import FxRate, conversion_factor, currency_codes, load_fx_rates
from shopstream.contract.scalars import SCALARS

_LOOKS_LIKE_JSON_LITERAL = re.compile(r"^(true|false|null|-?[0-9].*)$")


@dataclass(frozen=True)
class SqlColumn:
    """One output column: name, Flink SQL type and the expression that computes it."""

    name: str
    type: str
    expression: str


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def extraction_columns(schema: EventSchema, payload: str = "payload") -> list[SqlColumn]:
    """Typed columns of every field (struct arrays as aligned per-item-field arrays) and derived fields.

    Values are only meaningful where ``dq_reason is null``; on bad rows the casts yield NULL
    instead of failing the job.
    """
    j = _Json(payload)
    columns: list[SqlColumn] = []
    for f in schema.fields:
        if f.type == "string":
            columns.append(SqlColumn(f.name, flink_type(f), j.value(f"$.{f.name}")))
        elif f.type in SCALARS:
            columns.append(SqlColumn(f.name, flink_type(f), f"try_cast({j.value(f'$.{f.name}')} as {_cast(f)})"))
        elif f.type == "array<string>":
            columns.append(SqlColumn(f.name, flink_type(f), j.array(f"$.{f.name}")))
        else:
            for sub in f.fields:
                items = j.array(f"$.{f.name}[*].{sub.name}")
                typed = items if sub.type == "string" else f"try_cast({items} as array<{_cast(sub)}>)"
                columns.append(SqlColumn(f"{f.name}_{sub.name}", f"ARRAY<{flink_type(sub)}>", typed))
    columns += [SqlColumn(d.name, SCALARS[d.type].flink, _sum_of_products(schema, d, j)) for d in schema.derived]
    return columns


def event_time_expression(schema: EventSchema, payload: str = "payload") -> str:
    """``TIMESTAMP_LTZ(3)`` event time, e.g. for a computed column with a watermark in the source DDL."""
    j = _Json(payload)
    return f"to_timestamp_ltz(try_cast({j.value(f'$.{schema.event_time}')} as bigint), 3)"


def dq_reason_expression(schema: EventSchema, payload: str = "payload", kafka_ts: str = "kafka_ts_ms", *,
                         max_future_ms: int = DEFAULT_MAX_FUTURE_MS,
                         currencies: Iterable[str] | None = None) -> str:
    """A ``case`` giving the first reason the payload breaks the contract, NULL when valid.

    ``kafka_ts`` is any BIGINT SQL expression of the record's arrival time in epoch ms; when it is
    NULL the far-future check is skipped (as ``validate(now_ms=None)``).
    """
    codes = sorted(currencies if currencies is not None else currency_codes())
    r = _Renderer(schema, _Json(payload), kafka_ts, max_future_ms, codes)
    lines = [
        "case",
        f"  when {payload} is null then {sql_string(MALFORMED_JSON)}",
        f"  when {r.fast_path()}",
        f"    then case when {r.condition(r.far_future)} then {sql_string(FAR_FUTURE_TS)} end",
        f"  when not ({payload} is json) then {sql_string(MALFORMED_JSON)}",
        f"  when not ({payload} is json object) then {sql_string(NOT_AN_OBJECT)}",
    ]
    lines += [f"  when {r.condition(check)} then {sql_string(check.reason)}" for check in r.plan]
    lines.append("end")
    return "\n".join(lines)


def fast_path_expression(schema: EventSchema, payload: str = "payload", *,
                         currencies: Iterable[str] | None = None) -> str:
    """A condition true only for messages that pass every check but far_future_ts.

    Every message the generator calls valid satisfies it (messages with optional extras, nulls or
    unknown keys do not, and take the full checks); ``dq_reason`` uses it to skip the full checks.
    """
    codes = sorted(currencies if currencies is not None else currency_codes())
    return _Renderer(schema, _Json(payload), "null", DEFAULT_MAX_FUTURE_MS, codes).fast_path()


def render_select(schema: EventSchema, source: str, *, payload: str = "payload",
                  kafka_ts: str = "kafka_ts_ms", passthrough: Sequence[str] = (),
                  max_future_ms: int = DEFAULT_MAX_FUTURE_MS, currencies: Iterable[str] | None = None) -> str:
    """``select <passthrough>, dq_reason, <typed columns> from <source>`` for one topic."""
    items = list(passthrough)
    items.append(dq_reason_expression(schema, payload, kafka_ts, max_future_ms=max_future_ms,
                                      currencies=currencies) + " as dq_reason")
    items += [f"{c.expression} as `{c.name}`" for c in extraction_columns(schema, payload)]
    return "select\n  " + ",\n  ".join(i.replace("\n", "\n  ") for i in items) + f"\nfrom {source}"


def reporting_amount_expression(amount: str, currency: str, reporting_currency: str,
                                rates: Mapping[str, FxRate] | None = None) -> str:
    """BIGINT minor units of ``reporting_currency`` for an amount in minor units of ``currency``.

    Same result as ``contract.reference.to_reporting_minor`` (decimal factor with 12 places, rounded
    half away from zero); NULL for a currency missing from the FX file. Use it on extracted columns.
    """
    rates = rates if rates is not None else load_fx_rates()
    branches = " ".join(
        f"when {sql_string(code)} then cast({_decimal_literal(conversion_factor(code, reporting_currency, rates))}"
        f" as decimal(24, 12))"
        for code in sorted(rates))
    return (f"cast(round(cast({amount} as decimal(20, 0)) * (case {currency} {branches} end), 0) as bigint)")


def _cast(f: Field) -> str:
    """The SQL type a JSON value of scalar field ``f`` is cast to."""
    return SCALARS[f.type].sql_cast


def _decimal_literal(value: Decimal) -> str:
    return format(value, "f")


class _Json:
    """JSON function calls on one payload column."""

    def __init__(self, payload: str) -> None:
        self.payload = payload

    def wrapped(self, path: str) -> str:
        return f"json_query({self.payload}, {sql_string(path)} with array wrapper)"

    def value(self, path: str) -> str:
        return f"json_value({self.payload}, {sql_string(path)})"

    def query(self, path: str) -> str:
        return f"json_query({self.payload}, {sql_string(path)})"

    def array(self, path: str) -> str:
        return f"json_query({self.payload}, {sql_string(path)} returning array<string>)"

    def count(self, path: str) -> str:
        return f"cardinality({self.array(path)})"


def _int_bounds(f: Field) -> tuple[int, int]:
    low, high = INTEGER_RANGES[f.type]
    if f.min is not None:
        low = max(low, int(f.min))
    if f.max is not None:
        high = min(high, int(f.max))
    return low, high


def _path_typed(f: Field, at: str) -> str:
    """JSON path filter predicate: ``at`` (``@.f``) holds a non-null value of the field's type."""
    if f.type == "string":
        return f"{at} >= ''"
    if f.type in INTEGER_RANGES:
        low, high = INTEGER_RANGES[f.type]
        return f"{at} =~ /-?[0-9]+/ && {at} >= {low} && {at} <= {high}"
    if f.type == "float64":
        return f"({at} < 0 || {at} >= 0)"
    if f.type == "bool":
        return f"({at} == true || {at} == false)"
    raise ValueError(f"no JSON path type test for {f.type}")


def _path_valid(f: Field, at: str, codes: Sequence[str], values: Sequence[str] | None = None) -> str:
    """JSON path predicate: ``at`` is present and passes every check of scalar field ``f``."""
    allowed = values if values is not None else (f.enum or (codes if f.reference else None))
    if allowed:
        return "(" + " || ".join(f"{at} == '{v}'" for v in allowed) + f") && {at} >= ''"
    if f.type in INTEGER_RANGES:
        low, high = _int_bounds(f)
        return f"{at} =~ /-?[0-9]+/ && {at} >= {low} && {at} <= {high}"
    parts = [_path_typed(f, at)]
    if f.min is not None:
        parts.append(f"{at} >= {f.min}")
    if f.max is not None:
        parts.append(f"{at} <= {f.max}")
    return " && ".join(parts)


class _Renderer:
    def __init__(self, schema: EventSchema, j: _Json, kafka_ts: str, max_future_ms: int,
                 codes: Sequence[str]) -> None:
        self.schema, self.j, self.kafka_ts, self.max_future_ms, self.codes = (
            schema, j, kafka_ts, max_future_ms, codes)
        self.plan = check_plan(schema)
        self.far_future = next(c for c in self.plan if c.kind == FAR_FUTURE_TS)

    # -- the full, ordered checks ------------------------------------------------------------
    def condition(self, check: Check) -> str:
        j, f = self.j, check.field
        if check.parent is not None:
            return self._item_condition(check)
        w = j.wrapped(f"$.{f.name}")
        if check.kind == MISSING_FIELD:
            return f"{w} is null" if f.required else f"{w} is null and {self._required_when(f)}"
        if check.kind == WRONG_TYPE:
            return f"{w} is not null and not ({self._sql_typed(f, w)})"
        if check.kind == NOT_IN_ENUM:
            assert f.enum
            return f"{j.value(f'$.{f.name}')} not in ({', '.join(map(sql_string, f.enum))})"
        if check.kind in (BELOW_MIN, ABOVE_MAX):
            op, bound = ("<", f.min) if check.kind == BELOW_MIN else (">", f.max)
            measure = (j.count(f"$.{f.name}") if f.is_array
                       else f"try_cast({j.value(f'$.{f.name}')} as {_cast(f)})")
            return f"{measure} {op} {bound}"
        if check.kind == UNKNOWN_CURRENCY:
            return f"{j.value(f'$.{f.name}')} not in ({', '.join(map(sql_string, self.codes))})"
        if check.kind == FAR_FUTURE_TS:
            return (f"{self.kafka_ts} is not null and try_cast({j.value(f'$.{f.name}')} as bigint)"
                    f" > {self.kafka_ts} + cast({self.max_future_ms} as bigint)")
        raise AssertionError(check.kind)

    def _item_condition(self, check: Check) -> str:
        j, f, parent = self.j, check.field, check.parent
        assert parent is not None
        base = f"$.{parent.name}"
        is_array = f"{j.wrapped(base)} like '[[%'"
        n_items = j.count(base)
        values = j.array(f"{base}[*].{f.name}")
        present = f"cardinality(array_remove({values}, cast(null as string)))"
        if check.kind == MISSING_FIELD:
            return f"{is_array} and {present} < {n_items}"
        if check.kind == WRONG_TYPE:
            # Objects and arrays are wrong for any item field; they are ruled out without a path
            # filter, which Flink 2.3 cannot evaluate on them. After the missing checks a required
            # item field is present in every item.
            scalars_only = f"regexp({j.query(f'{base}[*].{f.name}')}, '{_SCALAR_LIST_REGEX}')"
            expected = n_items if f.required else present
            typed = j.count(f"{base}[?({_path_typed(f, f'@.{f.name}')})]")
            return f"{is_array} and (not {scalars_only} or {typed} < {expected})"
        if check.kind in (BELOW_MIN, ABOVE_MAX):
            # reached only when every item value has its type, so the path filter is safe
            op, bound = ("<", f.min) if check.kind == BELOW_MIN else (">", f.max)
            return f"{is_array} and {j.query(f'{base}[?(@.{f.name} {op} {bound})]')} <> '[]'"
        raise AssertionError(f"{check.kind} on item field {check.path}")

    def _required_when(self, f: Field) -> str:
        assert f.required_when
        parts = []
        for cond_field, values in f.required_when.items():
            parts.append(f"{self.j.value(f'$.{cond_field}')} in ({', '.join(map(sql_string, values))})")
            if any(_LOOKS_LIKE_JSON_LITERAL.match(v) for v in values):
                parts.append(f"{self.j.wrapped(f'$.{cond_field}')} like '[\"%'")
        return " and ".join(parts)

    def _sql_typed(self, f: Field, w: str) -> str:
        if f.type == "string":
            return f"{w} like '[\"%'"
        if f.type in INTEGER_RANGES:
            return (f"regexp({w}, '^\\[-?[0-9]+\\]$')"
                    f" and try_cast({self.j.value(f'$.{f.name}')} as {_cast(f)}) is not null")
        if f.type == "float64":
            return f"regexp({w}, '^\\[-?[0-9]')"
        if f.type == "bool":
            return f"{w} in ('[true]', '[false]')"
        if f.type == "array<string>":
            return f"regexp({w}, '{_STRING_ARRAY_REGEX}')"
        return f"{w} like '[[%'"

    # -- the fast path -----------------------------------------------------------------------
    def fast_path(self) -> str:
        """A condition that implies every check except far_future_ts passes."""
        groups = []
        for values, keys in self._key_groups():
            preds = [f"@.length() == {len(keys)}"]
            for f in keys:
                if f.is_array:
                    if f.max is not None:
                        preds.append(f"@.{f.name}.length() <= {f.max}")
                    if f.min is not None:
                        preds.append(f"@.{f.name}.length() >= {f.min}")
                    continue
                only = values if (values and f.name == self.schema.discriminator()) else None
                preds.append(_path_valid(f, f"@.{f.name}", self.codes, only))
            groups.append("(" + " && ".join(preds) + ")")
        anchor = next(f.name for f in self.schema.fields if f.required and f.type == "string")
        scalar_names = ",".join(f"'{f.name}'" for f in self.schema.fields if not f.is_array)
        parts = [f"{self.j.payload} is json object",
                 # every scalar field the filter below reads is absent or a scalar: path filters
                 # on objects and arrays fail the task on Flink 2.3 (see module docstring)
                 f"regexp({self.j.query(f'$[{scalar_names}]')}, '{_SCALAR_OBJECT_REGEX}')",
                 f"{self.j.query(f'$[?(' + ' || '.join(groups) + f')].{anchor}')} <> '[]'"]
        for f in self.schema.fields:
            if f.is_array and (f.required or f.required_when):
                parts.append(self._array_valid(f))
        return "\n    and ".join(parts)

    def _array_valid(self, f: Field) -> str:
        base = f"$.{f.name}"
        if f.type == "array<string>":
            return f"regexp({self.j.wrapped(base)}, '{_STRING_ARRAY_REGEX}')"
        good = " && ".join(f"{_path_valid(sub, f'@.{sub.name}', self.codes)}" for sub in f.fields
                           if sub.required)
        optional = [sub for sub in f.fields if not sub.required]
        if optional:
            raise ValueError(f"{f.name}: the fast path supports required item fields only")
        scalars_only = f"regexp({self.j.query(f'{base}[*].*')}, '{_SCALAR_LIST_REGEX}')"
        return f"{scalars_only} and {self.j.count(f'{base}[?({good})]')} = {self.j.count(base)}"

    def _key_groups(self) -> list[tuple[tuple[str, ...] | None, tuple[Field, ...]]]:
        """Per set of discriminator values: the exact fields a valid message of those types has."""
        disc = self.schema.discriminator()
        always = [f for f in self.schema.fields if f.required]
        if disc is None:
            return [(None, tuple(always))]
        by_keys: dict[tuple[str, ...], list[str]] = {}
        for value in self.schema.field(disc).enum or ():
            keys = tuple(f.name for f in self.schema.fields
                         if f.required or (f.required_when and value in f.required_when.get(disc, ())))
            by_keys.setdefault(keys, []).append(value)
        return [(tuple(values), tuple(self.schema.field(k) for k in keys)) for keys, values in by_keys.items()]


# Regexes over Jackson's compact serialisation; possessive runs keep Java's matcher linear.
_JSON_STRING = r'"(?:[^"\\]++|\\.)*+"'
_STRING_ARRAY_REGEX = r"^\[\[(?:" + _JSON_STRING + r"(?:," + _JSON_STRING + r")*+)?\]\]$"
_SCALAR_OBJECT_REGEX = r"^\{(?:" + _JSON_STRING + r'|[^"\[\]{}]++)*+\}$'
_SCALAR_LIST_REGEX = r"^\[(?:" + _JSON_STRING + r'|[^"\[\]{}]++)*+\]$'


def _sum_of_products(schema: EventSchema, derived: DerivedField, j: _Json) -> str:
    parent_name, factors = derived.factors()
    parent = schema.field(parent_name)
    assert parent.max is not None
    expr = "cast(0 as bigint)"
    for i in reversed(range(int(parent.max))):
        item = f"$.{parent_name}[{i}]"
        product = " * ".join(f"try_cast({j.value(f'{item}.{name}')} as bigint)" for name in factors)
        expr = (f"case when {j.value(f'{item}.{factors[-1]}')} is null then cast(0 as bigint)"
                f" else {product} + {expr} end")
    return expr
