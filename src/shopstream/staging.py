"""Staging of raw topic records: the first contract violation, and the typed top-level scalar fields.

One JSON parse per record, checked by the contract's own validator, so Flink and every batch
computation agree on what is valid by construction. Arrays stay in the raw payload for SQL to unnest.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from shopstream.contract import load_contract
from shopstream.contract.first_reason import first_reason_checker
from shopstream.contract.model import SCALAR_TYPES, EventSchema
from shopstream.contract.reference import currency_codes
from shopstream.contract.validate import parse_payload, type_test


@dataclass(frozen=True)
class StagingShape:
    """The output columns of staging for one event type: ``dq_reason`` then the scalar fields."""

    schema: EventSchema

    @property
    def scalar_fields(self):
        return [f for f in self.schema.fields if f.type in SCALAR_TYPES]

    @cached_property
    def _extractors(self) -> tuple:
        return tuple((f.name, type_test(f)) for f in self.scalar_fields)

    @cached_property
    def _first_reason(self):
        return first_reason_checker(self.schema, currency_codes())

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
    doc, reason = parse_payload(payload)
    if reason is None:
        reason = staging._first_reason(doc, kafka_ts_ms)
    return (reason, *[v if (v := doc.get(name)) is not None and ok(v) else None
                      for name, ok in staging._extractors])
