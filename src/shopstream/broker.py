"""Kafka-protocol helpers shared by jobs, loaders and tests: topic creation and true end offsets.

The local broker (Tansu 0.6) answers ListOffsets LATEST wrongly, so end offsets are read from the
high watermark of a fetch response instead; this is also correct against Apache Kafka.
"""
from __future__ import annotations

import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from shopstream.settings import Settings


class BrokerError(RuntimeError):
    pass


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 5000})


def ensure_topics(settings: Settings, topics: list[str] | None = None) -> list[str]:
    """Create the input and output topics that do not exist yet; returns those created."""
    wanted = topics if topics is not None else settings.topics.inputs() + settings.topics.outputs()
    client = admin(settings.kafka.bootstrap_servers)
    try:
        existing = set(client.list_topics(timeout=10).topics)
    except KafkaException as exc:
        raise BrokerError(f"cannot reach the broker at {settings.kafka.bootstrap_servers}: {exc}. "
                          "Is the stack up? Try `shopstream up`.") from exc
    missing = [t for t in wanted if t not in existing]
    if not missing:
        return []
    futures = client.create_topics([NewTopic(t, settings.kafka.partitions, 1) for t in missing])
    for topic, fut in futures.items():
        try:
            fut.result(timeout=10)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise BrokerError(f"cannot create topic {topic}: {exc}") from exc
    return missing


def partitions_of(bootstrap: str, topic: str) -> list[int]:
    md = admin(bootstrap).list_topics(topic=topic, timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None or not t.partitions:
        raise BrokerError(f"topic {topic} does not exist on {bootstrap}")
    return sorted(t.partitions)


def end_offsets(bootstrap: str, topic: str, timeout_s: float = 15.0) -> dict[int, int]:
    """The offset after the last record of each partition, from fetch-response high watermarks."""
    parts = partitions_of(bootstrap, topic)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"shopstream-hw-{time.time_ns()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 50})
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        known: dict[int, int] = {}
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            consumer.poll(0.1)
            for p in parts:
                hi = consumer.get_watermark_offsets(TopicPartition(topic, p), cached=True)[1]
                if hi is not None and hi >= 0:
                    known[p] = hi
            if len(known) == len(parts):
                break
        if len(known) < len(parts):
            raise BrokerError(f"no fetch answer for {topic} partitions "
                              f"{sorted(set(parts) - set(known))} within {timeout_s:.0f} s")
        return known
    finally:
        consumer.close()


def scan(bootstrap: str, topic: str, ends: dict[int, int], timeout_s: float = 300.0):
    """Every record of ``topic`` from the start to ``ends`` (partition -> end offset), as
    ``(partition, offset, kafka_ts_ms, value)``."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"shopstream-scan-{time.time_ns()}",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p, end in ends.items() if end > 0])
        position = {p: 0 for p in ends}
        deadline = time.monotonic() + timeout_s
        while any(position[p] < end for p, end in ends.items()):
            if time.monotonic() > deadline:
                raise BrokerError(f"reading {topic} up to {ends} took longer than {timeout_s:.0f} s")
            for msg in consumer.consume(10_000, 0.5):
                if msg.error():
                    continue
                p = msg.partition()
                if msg.offset() < ends.get(p, 0):
                    yield p, msg.offset(), msg.timestamp()[1], msg.value()
                position[p] = max(position[p], msg.offset() + 1)
    finally:
        consumer.close()
