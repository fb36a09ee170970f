"""The loader loop on the real broker: serving writes at once, analytics at flush, offsets after flush.

The appliers here record what the loop hands them (the loop is what is under test); the broker,
its offsets and consumer groups are real.
"""
from __future__ import annotations

import threading
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from shopstream.broker import end_offsets, ensure_topics
from shopstream.loader.loop import run_loader


class Recorder:
    def __init__(self, topic: str, *, fail_flush: bool = False, on_apply=None):
        self.topic, self.fail_flush, self.on_apply = topic, fail_flush, on_apply
        self.applied: list[bytes] = []
        self.flushed: list[bytes] = []
        self.calls: list[str] = []

    def topics_handled(self) -> list[str]:
        return [self.topic]

    def apply(self, records) -> int:
        self.calls.append("apply")
        self.applied += [v for _, _, v in records]
        if self.on_apply:
            self.on_apply(self)
        return len(records)

    def flush(self) -> None:
        self.calls.append("flush")
        if self.fail_flush:
            raise RuntimeError("ClickHouse is down")
        self.flushed = list(self.applied)


@pytest.fixture
def topic(stack_settings):
    name = f"loader-loop-{uuid.uuid4().hex[:8]}"
    ensure_topics(stack_settings, [name])
    producer = Producer({"bootstrap.servers": stack_settings.kafka.bootstrap_servers})
    for i in range(300):
        producer.produce(name, key=str(i % 7).encode(), value=f"r{i}".encode())
    producer.flush(10)
    return name


def _committed(settings, group: str, topic: str) -> dict[int, int]:
    ends = end_offsets(settings.kafka.bootstrap_servers, topic)
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": group})
    try:
        tps = consumer.committed([TopicPartition(topic, p) for p in ends], timeout=10)
        return {tp.partition: tp.offset for tp in tps}
    finally:
        consumer.close()


def test_everything_is_flushed_and_committed_at_the_end_offsets(stack_settings, topic):
    group = f"g-{uuid.uuid4().hex[:8]}"
    ends = {topic: end_offsets(stack_settings.kafka.bootstrap_servers, topic)}
    rec = Recorder(topic)
    applied = run_loader(stack_settings, group, [rec], until=ends, batch_rows=50, flush_ms=60_000)
    assert applied == 300
    assert sorted(rec.applied) == sorted(f"r{i}".encode() for i in range(300))
    assert rec.flushed == rec.applied
    assert rec.calls.count("apply") >= 6  # batches of at most 50 records
    assert rec.calls[-1] == "flush"
    assert _committed(stack_settings, group, topic) == ends[topic]


def test_a_failed_flush_commits_nothing_and_a_rerun_delivers_again(stack_settings, topic):
    group = f"g-{uuid.uuid4().hex[:8]}"
    ends = {topic: end_offsets(stack_settings.kafka.bootstrap_servers, topic)}
    failing = Recorder(topic, fail_flush=True)
    with pytest.raises(RuntimeError, match="ClickHouse is down"):
        run_loader(stack_settings, group, [failing], until=ends, batch_rows=1000, flush_ms=60_000)
    assert failing.applied  # the serving side was written before the flush
    assert all(o < 0 for o in _committed(stack_settings, group, topic).values())
    again = Recorder(topic)
    assert run_loader(stack_settings, group, [again], until=ends, batch_rows=1000) == 300
    assert sorted(again.flushed) == sorted(f"r{i}".encode() for i in range(300))


def test_serving_writes_do_not_wait_for_the_flush(stack_settings, topic):
    group = f"g-{uuid.uuid4().hex[:8]}"
    stop = threading.Event()

    def stop_when_all_applied(rec: Recorder) -> None:
        if len(rec.applied) == 300:
            stop.set()

    rec = Recorder(topic, on_apply=stop_when_all_applied)
    run_loader(stack_settings, group, [rec], stop=stop, batch_rows=100_000, flush_ms=600_000)
    # all 300 applied without a flush (neither the row count nor the interval was reached) ...
    assert rec.calls.count("flush") == 1 and rec.calls[-1] == "flush"  # ... then the stop flushed once
    assert sum(_committed(stack_settings, group, topic).values()) == 300


def test_an_applier_without_flush_is_refused_before_reading(stack_settings, topic):
    from shopstream.loader.loop import LoaderError

    class ApplyOnly:
        def topics_handled(self):
            return [topic]

        def apply(self, records):
            return len(records)

    with pytest.raises(LoaderError, match="no flush"):
        run_loader(stack_settings, "g-none", [ApplyOnly()], until={topic: {0: 0}})
