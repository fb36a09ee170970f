"""WITH-clause options of Kafka tables, rendered from settings (never written in SQL files)."""
from __future__ import annotations

from shopstream.settings import Settings


def _with(options: dict[str, str]) -> str:
    return ",\n    ".join(f"'{k}' = '{v}'" for k, v in options.items())


def source_options(settings: Settings, topic: str, group: str) -> str:
    return _with({
        "connector": "kafka",
        "topic": topic,
        "properties.bootstrap.servers": settings.kafka.bootstrap_servers,
        "properties.group.id": group,
        "properties.session.timeout.ms": str(settings.kafka.consumer_session_timeout_ms),
        "properties.fetch.max.wait.ms": str(settings.kafka.fetch_max_wait_ms),
        "scan.startup.mode": "earliest-offset",
        "format": "raw",
    })


def append_sink_options(settings: Settings, topic: str) -> str:
    return _with({
        "connector": "kafka",
        "topic": topic,
        "properties.bootstrap.servers": settings.kafka.bootstrap_servers,
        "sink.delivery-guarantee": "at-least-once",
        "format": "json",
        "json.encode.decimal-as-plain-number": "true",
    })
