"""The serving layout of a user profile: Redis keys and fields, and the ClickHouse columns.

This module is the one description of what a profile holds; the README's serving section, the
ClickHouse migration and the loader all follow it (tests/unit/test_sql_files.py checks the migration).
"""
from __future__ import annotations

WINDOWS = ("1h", "24h", "7d", "30d")
WINDOW_METRICS = ("events", "views", "clicks", "carts", "engagements", "orders", "spend_minor")
LIFETIME_FIELDS = ("events_total", "views_total", "clicks_total", "carts_total", "orders_total",
                   "spend_minor_total", "priced_views", "viewed_price_minor", "first_seen_ms",
                   "last_seen_ms", "last_order_ms", "as_of_ms_lifetime")
CONTEXT_FIELDS = ("device", "country", "last_event_ms")
DERIVED_FIELDS = ("avg_viewed_price_minor", "price_band", "segment", "tags", "top_categories")
AFFINITY_PREFIX = "affinity."
TOP_CATEGORIES = 3

# Fields that describe the load, not the user: excluded when comparing two runs.
PROCESS_FIELDS = ("_watermark_ms", "_loaded_at_ms")


def profile_key(user_id: str) -> str:
    return f"profile:{user_id}"


def affinity_scores_key(user_id: str) -> str:
    """Internal hash of raw decayed category scores, from which shares are derived."""
    return f"profile_affinity_scores:{user_id}"


def window_field(metric: str, window: str) -> str:
    return f"{metric}_{window}"


def window_as_of_field(window: str) -> str:
    return f"as_of_ms_{window}"


# ClickHouse columns of `user_profiles`, in order, with their types.
def clickhouse_columns() -> list[tuple[str, str]]:
    cols: list[tuple[str, str]] = [("user_id", "String")]
    cols += [(window_field(m, w), "Int64") for w in WINDOWS for m in WINDOW_METRICS]
    cols += [(window_as_of_field(w), "Int64") for w in WINDOWS]
    cols += [(f, "Int64") for f in LIFETIME_FIELDS]
    cols += list(zip(CONTEXT_FIELDS, ("LowCardinality(String)", "LowCardinality(String)", "Int64")))
    cols += list(zip(DERIVED_FIELDS, ("Int64", "LowCardinality(String)", "LowCardinality(String)",
                                      "Array(String)", "Array(String)")))
    cols += [("category_affinity", "Map(String, Float64)")]
    cols += [("as_of_ms", "Int64"), ("job_version", "LowCardinality(String)"), ("watermark_ms", "Int64"),
             ("loaded_at", "DateTime64(3, 'UTC')")]
    return cols
