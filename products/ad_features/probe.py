"""How the benchmark sees an ad: an impression shows once ``as_of_ms_5m`` of its ad reaches the end of
its minute."""
from __future__ import annotations

import re

from shopstream.product import Probe

_AD = re.compile(rb'"ad_id"\s*:\s*"([^"]+)"')


def _freshness(topic_setting: str, doc: dict):
    if topic_setting != "clickstream" or doc.get("event_type") != "ad_impression" or not doc.get("ad_id"):
        return None
    ts = int(doc["ts"])
    return f"ads:ad:{doc['ad_id']}", "as_of_ms_5m", ts - ts % 60_000 + 60_000


def _sample_key(raw: bytes):
    m = _AD.search(raw)
    return f"ads:ad:{m.group(1).decode()}" if m else None


PROBE = Probe(_freshness, _sample_key)
