"""Staging of raw topic records: the first contract violation, and the typed top-level scalar fields.

One JSON parse per record, checked by the contract's own validator, so Flink and every batch
computation agree on what is valid by construction. Arrays stay in the raw payload for SQL to unnest.
"""
from __future__ import annotations

from dataclasses import dataclass

from shopstream.contract import load_contract
from shopstream.contract.model import EventSchema
from shopstream.contract.validate import parse_payload, type_ok, validate

SCALAR_TYPES = ("string", "int32", "int64", "float64", "bool")


@dataclass(frozen=True)
class StagingShape:
    """The output columns of staging for one event type: ``dq_reason`` then the scalar fields."""

    schema: EventSchema

    @property
    def scalar_fields(self):
        return [f for f in self.schema.fields if f.type in SCALAR_TYPES]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [("dq_reason", "string")] + [(f.name, f.type) for f in self.scalar_fields]


def shape(event: str) -> StagingShape:
    return StagingShape(load_contract()[event])


def stage(payload: str | bytes | None, kafka_ts_ms: int | None, staging: StagingShape) -> tuple:
    """``(dq_reason, field...)``: the first violated check (None when valid) and the typed scalars.

    Fields of the wrong type are None, so a bad record never fails the job; it is routed to dead
    letters by its ``dq_reason``.
    """
    reasons = validate(payload, staging.schema, now_ms=kafka_ts_ms)
    doc, _ = parse_payload(payload)
    values = []
    for f in staging.scalar_fields:
        v = doc.get(f.name)
        values.append(v if v is not None and type_ok(f, v) else None)
    return (reasons[0] if reasons else None, *values)
