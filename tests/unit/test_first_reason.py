"""The compiled first-reason checker and staging agree with the reference validator, reason for reason."""
from __future__ import annotations

import json

import pytest

from shopstream.contract import load_contract, validate
from shopstream.contract.examples import edge_cases
from shopstream.generator import GenerationParams, generate
from shopstream.staging import shape, stage

CONTRACT = load_contract()


def _cases():
    for case in edge_cases():
        yield case.schema, case.payload, case.kafka_ts_ms
    params = GenerationParams(events=4000, seed=7, bad_share=0.3, late_share=0.02, duplicate_share=0.02)
    for r in generate(params):
        yield r.topic_setting, r.value, r.ts_ms
        yield r.topic_setting, r.value, None  # no reference time: no far-future check


CASES = list(_cases())


def test_cases_cover_every_reason() -> None:
    reasons = {(validate(p, CONTRACT[s], now_ms=ts) or [None])[0] for s, p, ts in CASES}
    assert len(reasons) > 20 and None in reasons


@pytest.mark.parametrize("schema_name", sorted(CONTRACT))
def test_staging_gives_the_first_reason_and_typed_fields(schema_name: str) -> None:
    staging = shape(schema_name)
    checked = 0
    for name, payload, ts in CASES:
        if name != schema_name:
            continue
        reasons = validate(payload, CONTRACT[name], now_ms=ts)
        row = stage(payload, ts, staging)
        assert row[0] == (reasons[0] if reasons else None), payload
        try:
            doc = json.loads(payload)
        except (ValueError, TypeError):
            doc = None
        if not reasons:
            assert row[1:] == tuple(doc.get(f.name) for f in staging.scalar_fields)
        checked += 1
    assert checked > 50
