"""SQL parameters every job shares: Kafka source/sink options and contract-derived staging columns."""
from __future__ import annotations

from shopstream.contract import load_contract
from shopstream.flink import kafka_tables
from shopstream.flink.environment import RunOptions
from shopstream.settings import Settings
from shopstream.staging import shape

MAX_FUTURE_MS = 86_400_000


KAFKA_TS_MS = "(unix_timestamp(cast(kafka_ts as string)) * 1000 + extract(millisecond from kafka_ts))"


def event_time_sql(payload: str = "payload", kafka_ts: str = "kafka_ts", kafka_ts_ms: str = KAFKA_TS_MS) -> str:
    """Event time from the payload's ``ts`` when plausible, else the Kafka timestamp (never null)."""
    ts = f"try_cast(json_value({payload}, '$.ts') as bigint)"
    return (f"case when {ts} is not null and {ts} > 0 "
            f"and {ts} <= {kafka_ts_ms} + {MAX_FUTURE_MS} "
            f"then to_timestamp_ltz({ts}, 3) else {kafka_ts} end")


def source_params(settings: Settings, options: RunOptions, event: str) -> dict[str, str]:
    """``{event}_source``, ``{event}_columns``, ``{event}_event_time``, ``{event}_topic``, ``kafka_ts_ms``."""
    schema = load_contract()[event]
    topic = getattr(settings.topics, schema.topic_setting)
    return {
        f"{event}_topic": topic,
        f"{event}_source": kafka_tables.source_options(settings, topic, options.source_group),
        f"{event}_columns": ",\n    ".join(f"`{name}`" for name, _ in shape(event).columns
                                           if name != "dq_reason"),
        f"{event}_staged_names": ", ".join(f"`{name}`" for name, _ in shape(event).columns),
        f"{event}_event_time": event_time_sql(),
        "kafka_ts_ms": KAFKA_TS_MS,
    }


def sink_params(settings: Settings, outputs) -> dict[str, str]:
    """``{name}_sink`` options of the append-only Kafka sink of each output topic setting in ``outputs``."""
    return {f"{name}_sink": kafka_tables.append_sink_options(settings, getattr(settings.topics, name))
            for name in outputs}
