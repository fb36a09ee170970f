"""The user-profile layer's parameters: minute tiles per user, rolling windows, lifetime totals,
category affinity and the user segment. SQL: products/user_profiles/sql/."""
from __future__ import annotations

from shopstream.contract.flink_sql import reporting_amount_expression
from shopstream.flink.environment import RunOptions
from shopstream.products.user_profiles.derive import segment_sql
from shopstream.products.user_profiles.layout import WINDOW_METRICS, WINDOWS, window_field
from shopstream.settings import Settings

NO_END_MS = 2**63 - 1  # until_ms of an unbounded run: event time never stops


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
        "windows": ",".join(WINDOWS),
        "until_ms": str(options.input_end_ms if options.input_end_ms is not None else NO_END_MS),
        "window_columns": ", ".join(f"`{window_field(m, w)}`" for m in WINDOW_METRICS for w in WINDOWS),
    }

