"""The user-profile layer: minute tiles per user, rolling windows, lifetime totals, category affinity
and the user segment. SQL: sql/flink/user_profiles/."""
from __future__ import annotations

from shopstream.contract.flink_sql import reporting_amount_expression
from shopstream.flink.environment import RunOptions
from shopstream.flink.layers import Layer
from shopstream.flink.params import sink_params
from shopstream.settings import Settings

OUTPUT_TOPICS = ("profile_windows", "profile_lifetime", "profile_affinity")
# Each window covers the minute tiles from `preceding` (days hh:mm) before the current one.
WINDOWS = {"1h": "0 00:59", "24h": "0 23:59", "7d": "6 23:59", "30d": "29 23:59"}


def params(settings: Settings, options: RunOptions) -> dict[str, str]:
    p = settings.profiles
    out = {
        "viewed_price_reporting": reporting_amount_expression("price_minor", "currency", p.reporting_currency),
        "affinity_epoch_ms": str(p.affinity_epoch_ms),
        "affinity_half_life_ms": f"{p.affinity_half_life_h * 3_600_000:.1f}",
    }
    out.update(sink_params(settings, OUTPUT_TOPICS))
    return out


def variants(settings: Settings, options: RunOptions):
    return {"060_profile_window": [{"window": w, "window_preceding": r} for w, r in WINDOWS.items()]}


def loaders(settings: Settings, redis_client, ch_client) -> list:
    from shopstream.loader.profiles import ProfileApplier
    return [ProfileApplier(settings, redis_client, ch_client)]


PROFILES = Layer("user_profiles", (), OUTPUT_TOPICS, params, variants, loaders=loaders)
