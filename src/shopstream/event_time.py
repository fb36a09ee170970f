"""The event time a job gives a raw input record, in Python: the same rule as the jobs' SQL
(``shopstream.flink.params.event_time_sql``): the payload's ``ts`` when it is a plausible integer
(positive, at most the contract's far-future limit after the Kafka timestamp), else the Kafka timestamp."""
from __future__ import annotations

import json
import re

from shopstream.contract.checks import DEFAULT_MAX_FUTURE_MS

MINUTE_MS = 60_000
_INTEGER_TEXT = re.compile(r"\s*-?\d+\s*")


def payload_ts(value: bytes | str | None) -> int | None:
    """What ``try_cast(json_value(payload, '$.ts') as bigint)`` yields."""
    try:
        doc = json.loads(value) if value is not None else None
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    ts = doc.get("ts")
    if isinstance(ts, bool):
        return None
    if isinstance(ts, int):
        return ts
    if isinstance(ts, str) and _INTEGER_TEXT.fullmatch(ts):
        return int(ts)
    return None


def event_time_ms(value: bytes | str | None, kafka_ts_ms: int) -> int:
    ts = payload_ts(value)
    if ts is not None and 0 < ts <= kafka_ts_ms + DEFAULT_MAX_FUTURE_MS:
        return ts
    return kafka_ts_ms


def minute_end_ms(ts_ms: int) -> int:
    """End (exclusive) of the minute holding ``ts_ms``."""
    return ts_ms - ts_ms % MINUTE_MS + MINUTE_MS
