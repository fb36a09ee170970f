"""SQL parameters every job shares: Kafka source/sink options and contract-derived staging columns."""
from __future__ import annotations

from shopstream.contract import DEFAULT_MAX_FUTURE_MS, load_contract
from shopstream.flink import kafka_tables
from shopstream.flink.environment import RunOptions
from shopstream.settings import Settings
from shopstream.staging import shape

KAFKA_TS_MS = "(unix_timestamp(cast(kafka_ts as string)) * 1000 + extract(millisecond from kafka_ts))"


def event_time_sql(payload: str = "payload", kafka_ts: str = "kafka_ts", kafka_ts_ms: str = KAFKA_TS_MS) -> str:
    """Event time from the payload's ``ts`` when plausible, else the Kafka timestamp (never null)."""
    ts = f"try_cast(json_value({payload}, '$.ts') as bigint)"
    return (f"case when {ts} is not null and {ts} > 0 "
            f"and {ts} <= {kafka_ts_ms} + {DEFAULT_MAX_FUTURE_MS} "
            f"then to_timestamp_ltz({ts}, 3) else {kafka_ts} end")


def topic_of(settings: Settings, event: str) -> str:
    return getattr(settings.topics, load_contract()[event].topic_setting)


def source_variant(settings: Settings, options: RunOptions, event: str) -> dict[str, str]:
    """Parameters of the per-topic source and staging files for one event type of the contract."""
    return {
        "event": event,
        "source": kafka_tables.source_options(settings, topic_of(settings, event), options.source_group),
        "columns": ",\n    ".join(f"`{name}`" for name, _ in shape(event).columns if name != "dq_reason"),
        "staged_names": ", ".join(f"`{name}`" for name, _ in shape(event).columns),
        "event_time": event_time_sql(),
    }


def sink_params(settings: Settings, outputs) -> dict[str, str]:
    """``{name}_sink`` options of the append-only Kafka sink of each output topic setting in ``outputs``."""
    return {f"{name}_sink": kafka_tables.append_sink_options(settings, getattr(settings.topics, name))
            for name in outputs}


def interval_day_to_second(ms: int) -> str:
    """A Flink interval literal for ``ms`` (leading precision stays within two digits of days)."""
    if ms < 0:
        raise ValueError(f"interval must not be negative, got {ms} ms")
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"interval '{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}' day to second"
