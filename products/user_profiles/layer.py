"""The user-profile layer's parameters: minute tiles per user, rolling windows, lifetime totals,
category affinity and the user segment. SQL: products/user_profiles/sql/."""
from __future__ import annotations

from shopstream.contract.flink_sql import reporting_amount_expression
from shopstream.flink.environment import RunOptions
from shopstream.products.user_profiles.derive import segment_sql
from shopstream.settings import Settings

# Each window covers the minute tiles from `preceding` (days hh:mm) before the current one.
WINDOWS = {"1h": "0 00:59", "24h": "0 23:59", "7d": "6 23:59", "30d": "29 23:59"}


def params(settings: Settings, options: RunOptions) -> dict[str, str]:
    p = settings.profiles
    return {
        "viewed_price_reporting": reporting_amount_expression("price_minor", "currency",
                                                              settings.events.reporting_currency),
        "affinity_epoch_ms": str(p.affinity_epoch_ms),
        "affinity_half_life_ms": f"{p.affinity_half_life_h * 3_600_000:.1f}",
        "segment_case": segment_sql({"orders_total": "l.orders", "spend_minor_30d": "w.spend_minor",
                                     "orders_30d": "w.orders", "carts_30d": "w.carts",
                                     "active_span_ms": "(l.last_seen_ms - l.first_seen_ms)"}),
    }


def variants(settings: Settings, options: RunOptions):
    return {"060_profile_window": [{"window": w, "window_preceding": r} for w, r in WINDOWS.items()]}
