"""SQL parameters every job shares: Kafka source/sink options and contract-derived staging columns."""
from __future__ import annotations

from shopstream.contract import flink_sql, load_contract
from shopstream.flink import kafka_tables
from shopstream.flink.environment import RunOptions
from shopstream.settings import Settings

MAX_FUTURE_MS = 86_400_000


KAFKA_TS_MS = "(unix_timestamp(cast(kafka_ts as string)) * 1000 + extract(millisecond from kafka_ts))"


def event_time_sql(payload: str = "payload", kafka_ts: str = "kafka_ts") -> str:
    """Event time from the payload's ``ts`` when plausible, else the Kafka timestamp (never null)."""
    ts = f"try_cast(json_value({payload}, '$.ts') as bigint)"
    return (f"case when {ts} is not null and {ts} > 0 "
            f"and {ts} <= {KAFKA_TS_MS} + {MAX_FUTURE_MS} "
            f"then to_timestamp_ltz({ts}, 3) else {kafka_ts} end")


def source_params(settings: Settings, options: RunOptions, event: str) -> dict[str, str]:
    """``{event}_source``, ``{event}_columns``, ``{event}_dq_reason``, ``{event}_event_time``, ``{event}_topic``."""
    schema = load_contract()[event]
    topic = getattr(settings.topics, schema.topic_setting)
    bounded = (options.bounded_offsets or {}).get(topic) if options.bounded_offsets is not None else None
    columns = flink_sql.extraction_columns(schema, "payload")
    return {
        f"{event}_topic": topic,
        f"{event}_source": kafka_tables.source_options(settings, topic, options.job, bounded),
        f"{event}_columns": ",\n    ".join(f"{c.expression} as `{c.name}`" for c in columns),
        f"{event}_dq_reason": flink_sql.dq_reason_expression(schema, "payload", KAFKA_TS_MS,
                                                             max_future_ms=MAX_FUTURE_MS),
        f"{event}_event_time": event_time_sql(),
        "kafka_ts_ms": KAFKA_TS_MS,
    }


def sink_params(settings: Settings, append: dict[str, str], upsert: dict[str, str]) -> dict[str, str]:
    """``{name}_sink`` options for append-only and upsert Kafka sinks; values name topic settings."""
    out = {f"{name}_sink": kafka_tables.append_sink_options(settings, getattr(settings.topics, t))
           for name, t in append.items()}
    out.update({f"{name}_sink": kafka_tables.upsert_sink_options(settings, getattr(settings.topics, t))
                for name, t in upsert.items()})
    return out
