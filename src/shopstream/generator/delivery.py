"""Delivery: arrival times (on time, mildly out of order, late), duplicates, bad records, emission order."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Iterator, Mapping

from shopstream.contract.model import EventSchema
from shopstream.generator.corrupt import corrupt, dumps
from shopstream.generator.model import Event, GeneratedRecord, GenerationParams, RecordKind

DUPLICATE_DELAY_MS = (50, 30_000)


@dataclass(frozen=True)
class _Pending:
    arrival: int
    seq: int
    record: GeneratedRecord


def deliver(params: GenerationParams, events: list[Event], schemas: Mapping[str, EventSchema],
            n_bad: int, n_duplicates: int) -> Iterator[GeneratedRecord]:
    """Records in emission order: sorted by arrival time, which is the Kafka record timestamp."""
    rng = random.Random(f"{params.seed}:delivery:{params.events}")
    events = sorted(events, key=lambda e: e.ts)
    pending: list[_Pending] = []
    low, high = params.late_delay_ms
    for seq, event in enumerate(events):
        u = rng.random()
        kind: RecordKind = "valid"
        arrival = event.ts
        if u < params.late_share:
            kind, arrival = "late", event.ts + rng.randint(low, high)
        elif u < params.late_share + params.jitter_share:
            arrival = event.ts + rng.randint(1, params.jitter_max_ms)
        schema = schemas[event.topic_setting]
        record = GeneratedRecord(event.topic_setting, str(event.doc[schema.key]).encode(),
                                 dumps(event.doc).encode(), arrival, kind)
        pending.append(_Pending(arrival, seq, record))
    originals = list(pending)
    seq = len(pending)
    for item in rng.sample(originals, min(n_duplicates, len(originals))):
        arrival = item.arrival + rng.randint(*DUPLICATE_DELAY_MS)
        pending.append(_Pending(arrival, seq, GeneratedRecord(item.record.topic_setting, item.record.key,
                                                              item.record.value, arrival, "duplicate")))
        seq += 1
    for index in rng.sample(range(len(events)), min(n_bad, len(events))):
        event, original = events[index], originals[index]
        schema = schemas[event.topic_setting]
        arrival = original.arrival + rng.randint(0, 1000)
        payload, reason = corrupt(rng, schema, event.doc, arrival, str(uuid.UUID(int=rng.getrandbits(128), version=4)))
        pending.append(_Pending(arrival, seq, GeneratedRecord(event.topic_setting, original.record.key,
                                                              payload.encode(), arrival, "bad", reason)))
        seq += 1
    pending.sort(key=lambda p: (p.arrival, p.seq))
    return (p.record for p in pending)
