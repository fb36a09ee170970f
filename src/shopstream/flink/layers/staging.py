"""The staging layer: each input topic read once, validated against the contract, deduplicated, with
dead letters and late events as outputs. Every job starts with it. SQL: sql/flink/staging/."""
from __future__ import annotations

from shopstream.contract.flink_sql import reporting_amount_expression
from shopstream.flink.environment import RunOptions
from shopstream.flink.layers import Layer
from shopstream.flink.params import KAFKA_TS_MS, sink_params, source_variant, topic_of
from shopstream.settings import Settings

INPUT_TOPICS = ("clickstream", "orders")
OUTPUT_TOPICS = ("dead_letters", "late_events")


def params(settings: Settings, options: RunOptions) -> dict[str, str]:
    p = settings.profiles
    out = {"watermark_delay": f"interval '{p.watermark_delay_ms / 1000:.3f}' second",
           "kafka_ts_ms": KAFKA_TS_MS,
           "line_amount_reporting": reporting_amount_expression(
               "cast(json_value(line, '$.unit_price_minor') as bigint) * cast(json_value(line, '$.qty') as bigint)",
               "o.currency", p.reporting_currency)}
    out.update({f"{event}_topic": topic_of(settings, event) for event in INPUT_TOPICS})
    out.update(sink_params(settings, OUTPUT_TOPICS))
    return out


def variants(settings: Settings, options: RunOptions):
    per_topic = [source_variant(settings, options, event) for event in INPUT_TOPICS]
    return {"010_src_event": per_topic, "020_stg_event": per_topic}


def functions(t_env) -> None:
    from udfs import staging
    for event in INPUT_TOPICS:
        staging.register(t_env, event)


def loaders(settings: Settings, redis_client, ch_client) -> list:
    from shopstream.loader.dead_letters import DeadLetterApplier
    return [DeadLetterApplier(settings, ch_client)]


STAGING = Layer("staging", INPUT_TOPICS, OUTPUT_TOPICS, params, variants, functions, loaders)
