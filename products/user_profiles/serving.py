"""Read a user profile as a serving service would: one HGETALL, typed values."""
from __future__ import annotations

import json

import redis

from shopstream.products.user_profiles.layout import AFFINITY_PREFIX, profile_key

_LIST_FIELDS = ("tags", "top_categories")
_TEXT_FIELDS = ("device", "country", "price_band", "segment", "_job_version")


def decode_profile(raw: dict[str, str]) -> dict:
    """Typed view of a stored profile hash: integers, lists and an affinity map."""
    out: dict = {}
    affinity: dict[str, float] = {}
    for field, value in raw.items():
        if field.startswith(AFFINITY_PREFIX):
            affinity[field[len(AFFINITY_PREFIX):]] = float(value)
        elif field in _LIST_FIELDS:
            out[field] = json.loads(value)
        elif field in _TEXT_FIELDS:
            out[field] = value
        elif value == "":
            out[field] = None
        else:
            try:
                out[field] = int(value)
            except ValueError:
                out[field] = value
    if affinity:
        out["category_affinity"] = dict(sorted(affinity.items()))
    return out


def get_profile(client: redis.Redis, user_id: str) -> dict | None:
    raw = client.hgetall(profile_key(user_id))
    return decode_profile(raw) if raw else None
