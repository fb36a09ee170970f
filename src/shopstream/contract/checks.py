"""The canonical list of data-quality checks of a schema, in the order that decides the first reason.

Python ``validate()`` and the Flink ``dq_reason`` expression both walk this one plan, so they report
the same reason codes in the same order:

1. ``malformed_json``, 2. ``not_an_object``, then per category, fields in schema order (the item
fields of an ``array<struct>`` right after it, named ``parent.item``):
3. ``missing_field:<f>``, 4. ``wrong_type:<f>``, 5. ``not_in_enum:<f>``,
6. ``below_min:<f>`` / ``above_max:<f>``, 7. ``unknown_currency``, 8. ``far_future_ts``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from shopstream.contract.model import EventSchema, Field

MALFORMED_JSON = "malformed_json"
NOT_AN_OBJECT = "not_an_object"
MISSING_FIELD = "missing_field"
WRONG_TYPE = "wrong_type"
NOT_IN_ENUM = "not_in_enum"
BELOW_MIN = "below_min"
ABOVE_MAX = "above_max"
UNKNOWN_CURRENCY = "unknown_currency"
FAR_FUTURE_TS = "far_future_ts"

DEFAULT_MAX_FUTURE_MS = 24 * 3600 * 1000

_REFERENCE_REASONS = {"fx_rates": UNKNOWN_CURRENCY}


@dataclass(frozen=True)
class Check:
    """One check on one field: ``kind`` is the reason code without the field, ``parent`` set for item fields."""

    kind: str
    field: Field
    parent: Field | None = None

    @property
    def path(self) -> str:
        return f"{self.parent.name}.{self.field.name}" if self.parent else self.field.name

    @property
    def reason(self) -> str:
        if self.kind in (UNKNOWN_CURRENCY, FAR_FUTURE_TS):
            return self.kind
        return f"{self.kind}:{self.path}"


def walk(schema: EventSchema) -> Iterator[tuple[Field, Field | None]]:
    """Every field, depth first: (field, None) for top-level, (item field, parent) for struct items."""
    for f in schema.fields:
        yield f, None
        for sub in f.fields:
            yield sub, f


_PLANS: dict[int, tuple[EventSchema, tuple[Check, ...]]] = {}


def check_plan(schema: EventSchema) -> tuple[Check, ...]:
    """The field checks of ``schema`` in canonical order (JSON-level checks come before these)."""
    cached = _PLANS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    plan = _build_plan(schema)
    _PLANS[id(schema)] = (schema, plan)
    return plan


def _build_plan(schema: EventSchema) -> tuple[Check, ...]:
    entries = list(walk(schema))
    plan: list[Check] = []
    plan += [Check(MISSING_FIELD, f, p) for f, p in entries if f.required or f.required_when]
    plan += [Check(WRONG_TYPE, f, p) for f, p in entries]
    plan += [Check(NOT_IN_ENUM, f, p) for f, p in entries if f.enum]
    for f, p in entries:
        if f.min is not None:
            plan.append(Check(BELOW_MIN, f, p))
        if f.max is not None:
            plan.append(Check(ABOVE_MAX, f, p))
    plan += [Check(_REFERENCE_REASONS[f.reference], f, p) for f, p in entries if f.reference]
    plan.append(Check(FAR_FUTURE_TS, schema.field(schema.event_time)))
    return tuple(plan)


def all_reason_codes(schema: EventSchema) -> list[str]:
    """Every reason string ``schema`` can produce, in canonical order."""
    return [MALFORMED_JSON, NOT_AN_OBJECT] + [c.reason for c in check_plan(schema)]
