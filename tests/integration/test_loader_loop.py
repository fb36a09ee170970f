"""The loader loop on the real broker: serving writes at once, analytics at flush, offsets after flush,
and bad output rows kept as dead letters in the real ClickHouse ``dead_letters`` table.

The appliers and sinks here record what the loop hands them (the loop is what is under test); the
broker, its offsets and consumer groups, and ClickHouse are real.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from shopstream.broker import end_offsets, ensure_topics
from shopstream.clickhouse.client import connect as ch_connect
from shopstream.loader.loop import LoaderStats, run_loader
from shopstream.loader.sink import Batch, Sink


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


# Output rows {"n": i}; these two cannot be applied: one is not JSON, one lacks its field.
BAD_ROWS = {41: b'{"n": 41', 200: b'{"m": 200}'}
GOOD_NS = [i for i in range(300) if i not in BAD_ROWS]
REASONS = {41: "loader_error: JSONDecodeError: Expecting ',' delimiter: line 1 column 9 (char 8)",
           200: "loader_error: KeyError: 'n'"}


@pytest.fixture
def json_topic(stack_settings):
    """A topic of 300 JSON rows, two of them bad; returns the topic and each row's (partition, offset)."""
    name = f"loader-json-{uuid.uuid4().hex[:8]}"
    ensure_topics(stack_settings, [name])
    producer = Producer({"bootstrap.servers": stack_settings.kafka.bootstrap_servers})
    where: dict[int, tuple[int, int]] = {}
    for i in range(300):
        value = BAD_ROWS.get(i, json.dumps({"n": i}).encode())
        producer.produce(name, key=str(i % 7).encode(), value=value,
                         on_delivery=lambda err, msg, i=i: where.__setitem__(i, (msg.partition(), msg.offset())))
    producer.flush(10)
    assert len(where) == 300
    return name, where


class RowSink(Sink):
    """A sink of the contract: decodes the whole batch, then applies it (serving) and queues it (analytics)."""

    def __init__(self, topic: str):
        self.topic = topic
        self.applied: list[int] = []
        self.queued: list[int] = []
        self.flushed: list[int] = []

    def topics(self) -> list[str]:
        return [self.topic]

    def write(self, batch: Batch) -> None:
        ns = [r.json()["n"] for r in batch]
        self.applied += ns
        self.queued += ns

    def flush(self) -> None:
        self.flushed += self.queued
        self.queued = []


class JsonApplier(Recorder):
    """An applier of the earlier interface that decodes its rows as the real ones do."""

    def apply(self, records) -> int:
        ns = [json.loads(v)["n"] for _, _, v in records]
        self.applied += ns
        return len(ns)


def _dead_letters(settings, topic: str) -> list[tuple]:
    """The stored dead letters of ``topic``, every copy (no FINAL: a duplicate would show)."""
    return [tuple(r) for r in ch_connect(settings, "writer").query(
        "select source_partition, source_offset, job, reason, raw_payload from dead_letters "
        "where source_topic = {t:String} order by source_partition, source_offset, job",
        parameters={"t": topic}).result_rows]


def _expected_dead_letters(where: dict[int, tuple[int, int]], job: str) -> list[tuple]:
    return sorted((*where[i], job, REASONS[i], BAD_ROWS[i].decode()) for i in BAD_ROWS)


def test_a_bad_row_becomes_a_dead_letter_at_its_position_and_the_loader_goes_on(stack_settings, json_topic,
                                                                                caplog):
    topic, where = json_topic
    group, job = f"g-{uuid.uuid4().hex[:8]}", "loader_test"
    ends = {topic: end_offsets(stack_settings.kafka.bootstrap_servers, topic)}
    sink, stats = RowSink(topic), LoaderStats()
    with caplog.at_level(logging.WARNING, logger="shopstream.loader"):
        applied = run_loader(stack_settings, group, [sink], job=job, stats=stats, until=ends, batch_rows=50,
                             flush_ms=60_000)
    assert applied == 298
    assert sorted(sink.applied) == GOOD_NS and sorted(sink.flushed) == GOOD_NS  # each good row once
    assert _committed(stack_settings, group, topic) == ends[topic]
    assert _dead_letters(stack_settings, topic) == _expected_dead_letters(where, job)
    assert stats.dead_letters == {(topic, REASONS[i]): 1 for i in BAD_ROWS}
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert all(f"{topic}[{where[i][0]}]@{where[i][1]}" in warned for i in BAD_ROWS)

    again = RowSink(topic)  # from the committed position: nothing new
    assert run_loader(stack_settings, group, [again], job=job, until=ends) == 0
    assert again.applied == [] and again.flushed == []
    assert _dead_letters(stack_settings, topic) == _expected_dead_letters(where, job)


def test_a_crash_after_the_bad_rows_leaves_one_dead_letter_per_position(stack_settings, json_topic):
    topic, where = json_topic
    group, job = f"g-{uuid.uuid4().hex[:8]}", "loader_test"
    ends = {topic: end_offsets(stack_settings.kafka.bootstrap_servers, topic)}
    failing = JsonApplier(topic, fail_flush=True)
    with pytest.raises(RuntimeError, match="ClickHouse is down"):
        run_loader(stack_settings, group, [failing], job=job, until=ends, batch_rows=1000, flush_ms=60_000)
    assert sorted(failing.applied) == GOOD_NS
    assert all(o < 0 for o in _committed(stack_settings, group, topic).values())
    assert len(_dead_letters(stack_settings, topic)) == 2  # stored before the sinks' flush failed

    again = JsonApplier(topic)  # the replay meets both bad rows again
    stats = LoaderStats()
    assert run_loader(stack_settings, group, [again], job=job, stats=stats, until=ends, batch_rows=1000) == 298
    assert sorted(again.flushed) == GOOD_NS
    assert stats.dead_letter_total == 2
    assert _dead_letters(stack_settings, topic) == _expected_dead_letters(where, job)
    assert _committed(stack_settings, group, topic) == ends[topic]
