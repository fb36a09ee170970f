"""Pure derivations of profile fields from the stored totals: price band, segment, tags, affinity shares.

Each is a function of the final stored values only, so a replay that ends in the same totals ends in
the same derived fields.
"""
from __future__ import annotations

import math
from typing import Mapping

from shopstream.products.user_profiles.layout import TOP_CATEGORIES

PRICE_BANDS = ((2_000, "budget"), (10_000, "mid"), (50_000, "premium"))  # upper bounds, reporting minor units


def avg_viewed_price(priced_views: int, viewed_price_minor: int) -> int | None:
    if priced_views <= 0:
        return None
    return (viewed_price_minor + priced_views // 2) // priced_views


def price_band(avg_price_minor: int | None) -> str:
    if avg_price_minor is None:
        return "unknown"
    for upper, name in PRICE_BANDS:
        if avg_price_minor < upper:
            return name
    return "luxury"


# The lifecycle segment (RFM without a wall clock): the first rule whose conditions all hold, else
# DEFAULT_SEGMENT. Written once: ``segment`` applies it to a stored profile, ``segment_sql`` renders it
# for the Flink layer (the ad layer reads the segment a user had at each event).
SEGMENT_RULES: tuple[tuple[str, tuple[tuple[str, str, int], ...]], ...] = (
    ("vip", (("orders_total", ">=", 5), ("spend_minor_30d", ">=", 50_000))),
    ("loyal", (("orders_total", ">=", 3),)),
    ("active_buyer", (("orders_30d", ">=", 1),)),
    ("new", (("orders_total", "=", 0), ("active_span_ms", "<", 86_400_000))),
    ("window_shopper", (("carts_30d", ">=", 1), ("orders_30d", "=", 0))),
    ("lapsed_buyer", (("orders_total", ">", 0),)),
)
DEFAULT_SEGMENT = "browser"
_OPS = {">=": int.__ge__, ">": int.__gt__, "=": int.__eq__, "<": int.__lt__}


def segment_inputs(p: Mapping[str, int]) -> dict[str, int]:
    """The values the segment rules read, from a stored profile."""
    return {"orders_total": int(p.get("orders_total", 0) or 0), "spend_minor_30d": int(p.get("spend_minor_30d", 0) or 0),
            "orders_30d": int(p.get("orders_30d", 0) or 0), "carts_30d": int(p.get("carts_30d", 0) or 0),
            "active_span_ms": int(p.get("last_seen_ms", 0) or 0) - int(p.get("first_seen_ms", 0) or 0)}


def segment(p: Mapping[str, int]) -> str:
    """Lifecycle segment of a stored profile (``SEGMENT_RULES``)."""
    values = segment_inputs(p)
    for name, conditions in SEGMENT_RULES:
        if all(_OPS[op](values[field], limit) for field, op, limit in conditions):
            return name
    return DEFAULT_SEGMENT


def segment_sql(columns: Mapping[str, str]) -> str:
    """``SEGMENT_RULES`` as a SQL ``case`` expression over ``columns`` (rule input -> SQL expression)."""
    whens = " ".join(f"when {' and '.join(f'{columns[f]} {op} {limit}' for f, op, limit in conds)} then '{name}'"
                     for name, conds in SEGMENT_RULES)
    return f"case {whens} else '{DEFAULT_SEGMENT}' end"


def tags(p: Mapping[str, int | str]) -> list[str]:
    out = []
    if p.get("device") in ("ios", "android"):
        out.append("mobile")
    if int(p.get("carts_7d", 0)) > 0 and int(p.get("orders_7d", 0)) == 0:
        out.append("cart_abandoner")
    if int(p.get("spend_minor_30d", 0)) >= 100_000:
        out.append("big_spender")
    if int(p.get("engagements_7d", 0)) >= 5:
        out.append("engaged")
    if int(p.get("clicks_30d", 0)) >= 3:
        out.append("ad_responsive")
    return out


def affinity_shares(scores: Mapping[str, float]) -> dict[str, float]:
    """Each category's share of the user's decayed interest (shares sum to 1), rounded to 6 places."""
    positive = {c: s for c, s in scores.items() if s > 0 and math.isfinite(s)}
    total = sum(positive.values())
    if total <= 0:
        return {}
    return {c: round(s / total, 6) for c, s in sorted(positive.items())}


def top_categories(scores: Mapping[str, float], n: int = TOP_CATEGORIES) -> list[str]:
    return [c for c, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
