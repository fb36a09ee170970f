"""How the benchmark sees a profile: an event shows once ``as_of_ms_1h`` reaches the end of its minute."""
from __future__ import annotations

import re

from shopstream.product import Probe

_USER = re.compile(rb'"user_id"\s*:\s*"([^"]+)"')


def _freshness(topic_setting: str, doc: dict):
    if topic_setting != "clickstream":
        return None
    ts = int(doc["ts"])
    return f"profile:{doc['user_id']}", "as_of_ms_1h", ts - ts % 60_000 + 60_000


def _sample_key(raw: bytes):
    m = _USER.search(raw)
    return f"profile:{m.group(1).decode()}" if m else None


PROBE = Probe(_freshness, _sample_key)
