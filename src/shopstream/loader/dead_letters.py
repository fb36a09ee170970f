"""Apply dead-letter and late-event rows from any job to their ClickHouse tables."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from shopstream.settings import Settings

DEAD_LETTER_COLUMNS = ["source_topic", "source_partition", "source_offset", "job", "reason", "raw_payload",
                       "kafka_ts"]
LATE_EVENT_COLUMNS = ["source_topic", "source_partition", "source_offset", "job", "event_id", "user_id",
                      "event_ts", "watermark", "raw_payload", "kafka_ts"]


def parse_flink_timestamp(value: str | None) -> datetime:
    """Flink JSON writes TIMESTAMP_LTZ as 'YYYY-MM-DD HH:MM:SS.fffZ' (or ISO-8601)."""
    if not value:
        return datetime.fromtimestamp(0, tz=timezone.utc)
    text = value.replace("T", " ").rstrip("Z")
    return datetime.strptime(text[:23].ljust(23, "0") if "." in text else text + ".000",
                             "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc)


def _ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


class DeadLetterApplier:
    def __init__(self, settings: Settings, ch_client):
        self.topics = settings.topics
        self.ch = ch_client
        self._dead: list[list] = []
        self._late: list[list] = []

    def topics_handled(self) -> list[str]:
        return [self.topics.dead_letters, self.topics.late_events]

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int:
        dead, late = [], []
        for topic, _key, value in records:
            if value is None:
                continue
            r = json.loads(value)
            if topic == self.topics.dead_letters:
                dead.append([r["source_topic"], r["source_partition"], r["source_offset"], r["job"], r["reason"],
                             r["raw_payload"], parse_flink_timestamp(r.get("kafka_ts"))])
            else:
                late.append([r["source_topic"], r["source_partition"], r["source_offset"], r["job"],
                             r.get("event_id") or "", r.get("user_id") or "", _ms(int(r["event_ts"])),
                             parse_flink_timestamp(r.get("watermark")), r["raw_payload"],
                             parse_flink_timestamp(r.get("kafka_ts"))])
        self._dead.extend(dead)
        self._late.extend(late)
        return len(dead) + len(late)

    def flush(self) -> None:
        if self._dead:
            self.ch.insert("dead_letters", self._dead, column_names=DEAD_LETTER_COLUMNS)
            self._dead = []
        if self._late:
            self.ch.insert("late_events", self._late, column_names=LATE_EVENT_COLUMNS)
            self._late = []
