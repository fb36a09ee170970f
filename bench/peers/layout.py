"""The Redis fields both peers write: the profile job's window, lifetime and affinity field groups.

Same keys and names as shopstream's loader (shopstream.products.user_profiles.layout), so the benchmark's serving
reads and freshness probes work on every target; derived fields (segment, tags, shares) are not
written by the peers.
"""
from __future__ import annotations

from shopstream.products.user_profiles.layout import (
    WINDOW_METRICS,
    affinity_scores_key,
    profile_key,
    window_as_of_field,
    window_field,
)

# profile job output column -> profile field (lifetime group)
LIFETIME_FIELDS = {
    "events": "events_total", "views": "views_total", "clicks": "clicks_total", "carts": "carts_total",
    "orders": "orders_total", "spend_minor": "spend_minor_total", "priced_views": "priced_views",
    "viewed_price_minor": "viewed_price_minor", "first_seen_ms": "first_seen_ms",
    "last_seen_ms": "last_seen_ms", "last_order_ms": "last_order_ms",
    "device": "device", "country": "country", "last_event_ms": "last_event_ms",
}
LIFETIME_VERSION_FIELD = "as_of_ms_lifetime"


def window_group(window: str, as_of_ms: int, sums) -> tuple[str, int, dict]:
    """(version field, version, fields) of one window's totals; ``sums`` follow WINDOW_METRICS."""
    return window_as_of_field(window), as_of_ms, {window_field(m, window): v for m, v in zip(WINDOW_METRICS, sums)}


def lifetime_group(row: dict) -> tuple[str, int, dict]:
    """(version field, version, fields) of a lifetime row keyed by the job's column names."""
    fields = {LIFETIME_FIELDS[c]: ("" if v is None else v) for c, v in row.items() if c in LIFETIME_FIELDS}
    return LIFETIME_VERSION_FIELD, int(row["as_of_ms"]), fields


__all__ = ["LIFETIME_FIELDS", "LIFETIME_VERSION_FIELD", "WINDOW_METRICS", "affinity_scores_key", "lifetime_group",
           "profile_key", "window_group"]
