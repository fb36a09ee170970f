"""User profiles: rolling-window behaviour, lifetime totals, context and category affinity per user.

Reads `clickstream` and `orders` once; writes profile field groups, dead letters and late events to
Kafka output topics, which the profile loader applies to Redis and ClickHouse. SQL: sql/flink/user_profiles/.
"""
from __future__ import annotations

from shopstream.flink.environment import RunOptions
from shopstream.flink.params import KAFKA_TS_MS, sink_params, source_variant, topic_of
from shopstream.flink.sqlfiles import Variants, apply_sql_dir
from shopstream.contract.flink_sql import reporting_amount_expression
from shopstream.settings import REPO_ROOT, Settings
from udfs import staging

JOB = "user_profiles"
SQL_DIR = REPO_ROOT / "sql" / "flink" / JOB
INPUT_TOPICS = ("clickstream", "orders")
OUTPUT_TOPICS = ("dead_letters", "late_events", "profile_windows", "profile_lifetime",
                 "profile_affinity")
# Each window covers the minute tiles from `preceding` (days hh:mm) before the current one.
WINDOWS = {"1h": "0 00:59", "24h": "0 23:59", "7d": "6 23:59", "30d": "29 23:59"}


def sql_params(settings: Settings, options: RunOptions) -> dict[str, str]:
    p = settings.profiles
    params = {
        "watermark_delay": f"interval '{p.watermark_delay_ms / 1000:.3f}' second",
        "line_amount_reporting": reporting_amount_expression(
            "cast(json_value(line, '$.unit_price_minor') as bigint) * cast(json_value(line, '$.qty') as bigint)",
            "o.currency", p.reporting_currency),
        "viewed_price_reporting": reporting_amount_expression("price_minor", "currency", p.reporting_currency),
        "affinity_epoch_ms": str(p.affinity_epoch_ms),
        "affinity_half_life_ms": f"{p.affinity_half_life_h * 3_600_000:.1f}",
        "kafka_ts_ms": KAFKA_TS_MS,
    }
    params.update({f"{event}_topic": topic_of(settings, event) for event in INPUT_TOPICS})
    params.update(sink_params(settings, OUTPUT_TOPICS))
    return params


def sql_variants(settings: Settings, options: RunOptions) -> Variants:
    """The files rendered once per input topic and once per rolling window."""
    per_topic = [source_variant(settings, options, event) for event in INPUT_TOPICS]
    return {"010_src_event": per_topic, "020_stg_event": per_topic,
            "060_profile_window": [{"window": w, "window_preceding": r} for w, r in WINDOWS.items()]}


def register_functions(t_env) -> None:
    for event in INPUT_TOPICS:
        staging.register(t_env, event)


def build(t_env, settings: Settings, options: RunOptions):
    """Register the job's tables and views on ``t_env``; returns the StatementSet of its inserts."""
    register_functions(t_env)
    return apply_sql_dir(t_env, SQL_DIR, sql_params(settings, options), sql_variants(settings, options))


def loaders(settings: Settings, redis_client, ch_client) -> list:
    from shopstream.loader.dead_letters import DeadLetterApplier
    from shopstream.loader.profiles import ProfileApplier
    return [ProfileApplier(settings, redis_client, ch_client), DeadLetterApplier(settings, ch_client)]


if __name__ == "__main__":
    from shopstream.flink.runner import main
    main(JOB)
