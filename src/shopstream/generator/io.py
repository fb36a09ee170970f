"""Moving generated records: JSONL files per topic, and a Kafka producer (the I/O edge)."""
from __future__ import annotations

import heapq
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

from shopstream.generator.model import GeneratedRecord

TOPIC_SETTINGS = ("clickstream", "orders", "content")
DEFAULT_PRODUCER_CONFIG: Mapping[str, Any] = {
    "linger.ms": 50,
    "batch.size": 1_000_000,
    "compression.type": "lz4",
    "enable.idempotence": True,
    "acks": "all",
    "queue.buffering.max.messages": 500_000,
}


class TopicNames(Protocol):
    """``settings.topics``: the Kafka topic name of each input topic setting."""

    clickstream: str
    orders: str
    content: str


class ProducerLike(Protocol):
    def produce(self, topic: str, value: bytes, key: bytes, timestamp: int, on_delivery: Callable[..., None]) -> None: ...
    def poll(self, timeout: float) -> int: ...
    def flush(self, timeout: float) -> int: ...


def write_to_files(records: Iterable[GeneratedRecord], directory: str | Path) -> dict[str, int]:
    """One ``<topic_setting>.jsonl`` per topic; each line is an envelope with the raw value.

    Envelope: ``{"seq", "ts_ms", "key", "value", "kind", "expected_reason"}``; ``value`` is the payload
    text exactly as produced (bad records included), ``seq`` the emission position across topics.
    Returns the number of records written per topic setting.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    handles: dict[str, Any] = {}
    counts: dict[str, int] = {}
    try:
        for seq, record in enumerate(records):
            fh = handles.get(record.topic_setting)
            if fh is None:
                fh = handles[record.topic_setting] = (directory / f"{record.topic_setting}.jsonl").open(
                    "w", encoding="utf-8")
            envelope = {"seq": seq, "ts_ms": record.ts_ms, "key": record.key.decode(),
                        "value": record.value.decode(), "kind": record.kind,
                        "expected_reason": record.expected_reason}
            fh.write(json.dumps(envelope, ensure_ascii=False) + "\n")
            counts[record.topic_setting] = counts.get(record.topic_setting, 0) + 1
    finally:
        for fh in handles.values():
            fh.close()
    return counts


def read_files(directory: str | Path) -> Iterator[GeneratedRecord]:
    """Records written by ``write_to_files``, back in emission order across topics."""
    streams = []
    for path in sorted(Path(directory).glob("*.jsonl")):
        streams.append(_read_one(path))
    for _, record in heapq.merge(*streams, key=lambda item: item[0]):
        yield record


def _read_one(path: Path) -> Iterator[tuple[int, GeneratedRecord]]:
    topic_setting = path.stem
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            env = json.loads(line)
            yield env["seq"], GeneratedRecord(topic_setting, env["key"].encode(), env["value"].encode(),
                                              env["ts_ms"], env["kind"], env.get("expected_reason"))


def produce_to_kafka(records: Iterable[GeneratedRecord], bootstrap_servers: str, topics: TopicNames, *,
                     rate: float | None = None, progress: Callable[[int], None] | None = None,
                     progress_every: int = 10_000, producer_config: Mapping[str, Any] | None = None,
                     producer_factory: Callable[[dict[str, Any]], ProducerLike] | None = None,
                     flush_timeout_s: float = 60.0) -> dict[str, int]:
    """Send records in order with confluent-kafka; returns records sent per topic name.

    Keys are the schema keys (user_id, content_id) so a user's events share a partition. The Kafka
    record timestamp is ``record.ts_ms``, the arrival time: late events carry a timestamp later than
    their event time, as they would in production. ``rate`` caps records per second (None: as fast
    as possible). Raises RuntimeError naming the first failure if any record was not delivered.
    """
    config = {"bootstrap.servers": bootstrap_servers, **DEFAULT_PRODUCER_CONFIG, **(producer_config or {})}
    producer = producer_factory(config) if producer_factory else _confluent_producer(config)
    names = {setting: getattr(topics, setting) for setting in TOPIC_SETTINGS}
    failures: list[str] = []
    counts: dict[str, int] = {}

    def on_delivery(err: Any, msg: Any) -> None:
        if err is not None:
            failures.append(str(err))

    started = time.monotonic()
    sent = 0
    for record in records:
        topic = names[record.topic_setting]
        if rate:
            ahead = started + sent / rate - time.monotonic()
            if ahead > 0.005:
                time.sleep(ahead)
        while True:
            try:
                producer.produce(topic, value=record.value, key=record.key, timestamp=record.ts_ms,
                                 on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
        sent += 1
        counts[topic] = counts.get(topic, 0) + 1
        if progress and sent % progress_every == 0:
            progress(sent)
    remaining = producer.flush(flush_timeout_s)
    if progress:
        progress(sent)
    if remaining:
        failures.append(f"{remaining} records still queued after {flush_timeout_s}s")
    if failures:
        raise RuntimeError(f"{len(failures)} of {sent} records were not delivered to {bootstrap_servers}; "
                           f"first error: {failures[0]}. Check that the broker is up and the topics exist.")
    return counts


def _confluent_producer(config: dict[str, Any]) -> ProducerLike:
    from confluent_kafka import Producer

    return Producer(config)  # type: ignore[no-any-return]
