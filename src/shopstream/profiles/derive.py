"""Pure derivations of profile fields from the stored totals: price band, segment, tags, affinity shares.

Each is a function of the final stored values only, so a replay that ends in the same totals ends in
the same derived fields.
"""
from __future__ import annotations

import math
from typing import Mapping

from shopstream.profiles.layout import TOP_CATEGORIES

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


def segment(p: Mapping[str, int]) -> str:
    """Lifecycle segment from frequency and monetary value (RFM without a wall clock)."""
    orders_total = p.get("orders_total", 0)
    if orders_total >= 5 and p.get("spend_minor_30d", 0) >= 50_000:
        return "vip"
    if orders_total >= 3:
        return "loyal"
    if p.get("orders_30d", 0) >= 1:
        return "active_buyer"
    if orders_total == 0 and p.get("last_seen_ms", 0) - p.get("first_seen_ms", 0) < 86_400_000:
        return "new"
    if p.get("carts_30d", 0) >= 1 and p.get("orders_30d", 0) == 0:
        return "window_shopper"
    if orders_total > 0:
        return "lapsed_buyer"
    return "browser"


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
