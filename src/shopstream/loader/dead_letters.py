"""Dead letters: the rows of the jobs' dead-letter and late-event topics, and the loader's own.

``DeadLetterApplier`` applies what a job rejected to its ClickHouse tables; ``LoaderDeadLetters`` keeps
the output records that a loader's sink could not apply, in the same ``dead_letters`` table.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from shopstream.clickhouse.append_once import insert_absent
from shopstream.loader.sink import Record
from shopstream.settings import Settings

DEAD_LETTER_COLUMNS = ["source_topic", "source_partition", "source_offset", "job", "reason", "raw_payload",
                       "kafka_ts"]
DEAD_LETTER_KEY = ("source_topic", "source_partition", "source_offset", "job")  # the table's sort key
_REASON_DETAIL_CHARS = 160
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
        from shopstream.flink.staging_layer import RUNTIME_OUTPUTS
        from shopstream.outputs import decoders
        self.topics = settings.topics
        self.ch = ch_client
        self._decode = decoders(settings, RUNTIME_OUTPUTS)  # checks each row against its spec
        self._dead: list[list] = []
        self._late: list[list] = []

    def topics_handled(self) -> list[str]:
        return [self.topics.dead_letters, self.topics.late_events]

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int:
        dead, late = [], []
        for topic, _key, value in records:
            if value is None:
                continue
            r = self._decode[topic](value)
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


def loader_error_reason(exc: BaseException) -> str:
    """``loader_error: <ExceptionType>: <first line of the message>``, kept short."""
    lines = str(exc).strip().splitlines()
    detail = lines[0] if lines else ""
    if len(detail) > _REASON_DETAIL_CHARS:
        detail = detail[:_REASON_DETAIL_CHARS - 3] + "..."
    return f"loader_error: {type(exc).__name__}: {detail}" if detail else f"loader_error: {type(exc).__name__}"


class LoaderDeadLetters:
    """Output records that a sink could not apply, queued as ``dead_letters`` rows of ``job`` and
    inserted by ``flush()`` at most once per position: a replay after a crash finds them stored.

    ClickHouse is connected at the first flush that has rows, so a loader whose sinks need no
    ClickHouse does not need it either until a record fails."""

    def __init__(self, job: str, connect: Callable[[], object]):
        self.job = job
        self._connect = connect
        self._client = None
        self._rows: list[list] = []

    def add(self, record: Record, reason: str) -> None:
        self._rows.append([record.topic, record.partition, record.offset, self.job, reason,
                           record.value if record.value is not None else b"", _ms(max(record.timestamp_ms, 0))])

    def flush(self) -> int:
        """Insert the queued rows whose position is not stored yet; returns how many were inserted."""
        if not self._rows:
            return 0
        if self._client is None:
            self._client = self._connect()
        inserted = insert_absent(self._client, "dead_letters", DEAD_LETTER_COLUMNS, self._rows, DEAD_LETTER_KEY,
                                 range_column="source_offset")
        self._rows = []
        return inserted
