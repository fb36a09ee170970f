"""The loader loop: read output topics, write them to their sinks, flush, then commit; stop at given end offsets.

Two paces. Serving writes (Redis) are made as soon as records arrive: a batch closes when the topic
has nothing more for the moment, when it holds ``batch_rows`` records, or ``batch_ms`` after its first
record. Analytics rows (ClickHouse) are queued by the sinks and inserted by ``flush()`` once
``batch_rows`` records or ``flush_ms`` have gone by, so ClickHouse gets few large inserts. Offsets are
committed only after a flush: a crash replays everything since, and every write is idempotent
(versioned Redis writes, ClickHouse rows that replace or are inserted once).

Error policy. Each sink gets the records of one topic and one partition at a time (``sink.py``). When
a write fails because of the data (``is_record_error``), the batch is written again in halves, down to
single records, and each record that still fails becomes a dead letter: a ``dead_letters`` row with
its position and ``loader_error: <type>: <message>``, inserted once per position at the next flush
(before the commit), counted per topic and reason, and logged. The loader goes on. Errors of the
services (connections, timeouts, ClickHouse, the broker) stop it, as does any failing flush.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable, Protocol

import redis
from clickhouse_connect.driver.exceptions import ClickHouseError
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from shopstream.broker import partitions_of
from shopstream.loader.dead_letters import LoaderDeadLetters, loader_error_reason
from shopstream.loader.sink import (Applier, Batch, ErrorCallback, Record, RecordError, Sink, as_sink, batches_of,
                                   missing_methods)
from shopstream.settings import Settings

__all__ = ["Applier", "Delivery", "LoaderError", "LoaderStats", "is_record_error", "run_loader", "write_isolating"]

log = logging.getLogger("shopstream.loader")

# What the data can make a write raise, and what only a service can (these stop the loader).
_RECORD_ERRORS = (RecordError, LookupError, ValueError, TypeError, ArithmeticError)
_SERVICE_ERRORS = (OSError, redis.exceptions.RedisError, ClickHouseError, KafkaException)


class LoaderError(RuntimeError):
    pass


def is_record_error(exc: BaseException) -> bool:
    """Whether ``exc`` is about a record (its value cannot be decoded or applied) rather than a service."""
    if isinstance(exc, redis.exceptions.DataError):  # redis-py refusing a value it cannot encode
        return True
    return isinstance(exc, _RECORD_ERRORS) and not isinstance(exc, _SERVICE_ERRORS)


def write_isolating(sink: Sink, batch: Batch, on_error: ErrorCallback) -> int:
    """Write ``batch``; after a record error write its halves again, in offset order, until each failing
    record is alone, and hand it to ``on_error``. Returns how many records failed.

    Halving finds k bad records among n in about 2k·log2(n) writes, where one write per record would
    take n; either is safe, since writing a record again changes nothing."""
    try:
        sink.write(batch)
        return 0
    except Exception as exc:
        if not is_record_error(exc):
            raise
        if len(batch) == 1:
            on_error(exc, batch.records[0])
            return 1
    return sum(write_isolating(sink, half, on_error) for half in batch.halves())


class DeadLetterQueue(Protocol):
    def add(self, record: Record, reason: str) -> None: ...

    def flush(self) -> int: ...


@dataclass
class LoaderStats:
    """What a loader did: records applied and committed, and dead letters per (topic, reason)."""

    applied: int = 0
    dead_letters: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def dead_letter_total(self) -> int:
        return sum(self.dead_letters.values())


class Delivery:
    """Hands records to their sinks in batches per topic and partition under the error policy, and
    flushes the dead letters, then the sinks. Knows nothing of Kafka."""

    def __init__(self, sinks: Sequence[Sink], dead_letters: DeadLetterQueue, stats: LoaderStats | None = None):
        self.sinks = list(sinks)
        self.dead_letters = dead_letters
        self.stats = stats if stats is not None else LoaderStats()
        self.route: dict[str, Sink] = {}
        for sink in self.sinks:
            for topic in sink.topics():
                if topic in self.route:
                    raise LoaderError(f"topic {topic} has two sinks: {_name(self.route[topic])} and {_name(sink)}")
                self.route[topic] = sink
        self.pending = 0  # records written since the last flush
        self._pending_dead = 0

    def write(self, records: Sequence[Record]) -> int:
        """Write ``records`` (any topics and partitions); returns how many became dead letters."""
        dead = sum(write_isolating(self.route[b.topic], b, self._dead_letter) for b in batches_of(records))
        self.pending += len(records)
        self._pending_dead += dead
        return dead

    def flush(self) -> None:
        """Store the dead letters and the sinks' queued rows; after this the positions may be committed."""
        self.dead_letters.flush()
        for sink in self.sinks:
            sink.flush()
        self.stats.applied += self.pending - self._pending_dead
        self.pending = self._pending_dead = 0

    def _dead_letter(self, exc: Exception, record: Record) -> None:
        reason = loader_error_reason(exc)
        first = (record.topic, reason) not in self.stats.dead_letters
        self.stats.dead_letters[(record.topic, reason)] += 1
        self.dead_letters.add(record, reason)
        log.warning("%s[%d]@%d could not be applied by %s (%s): kept as a dead letter (see `shopstream dlq "
                    "list`) and skipped", record.topic, record.partition, record.offset,
                    _name(self.route[record.topic]), reason, exc_info=exc if first else None)


def _name(sink: Sink) -> str:
    inner = getattr(sink, "applier", sink)
    return type(inner).__name__


def run_loader(settings: Settings, group: str, sinks: Sequence[Sink | Applier], *, job: str | None = None,
               dead_letters: DeadLetterQueue | None = None, stats: LoaderStats | None = None,
               until: dict[str, dict[int, int]] | Callable[[], dict[str, dict[int, int]] | None] | None = None,
               stop: threading.Event | None = None, batch_rows: int = 5000, batch_ms: int = 200,
               flush_ms: int = 1000, progress: Callable[[int], None] | None = None) -> int:
    """Deliver until ``stop`` is set, or until every partition reached ``until`` (end offsets).

    ``until`` may be a callable returning the end offsets once they are known (e.g. after the job
    finished). Dead letters are rows of ``job`` (default: the group) in ClickHouse's ``dead_letters``
    unless another ``dead_letters`` queue is given; ``stats`` is filled in as the loader goes.
    Returns the number of records applied and committed (dead letters not included).
    """
    missing = {type(s).__name__: missing_methods(s) for s in sinks if missing_methods(s)}
    if missing:
        raise LoaderError("not loader sinks: " + "; ".join(
            f"{name} (no {', '.join(m + '()' for m in methods)})" for name, methods in missing.items()))
    if dead_letters is None:
        from shopstream.clickhouse.client import connect as ch_connect
        dead_letters = LoaderDeadLetters(job or group, lambda: ch_connect(settings, "writer"))
    delivery = Delivery([as_sink(s) for s in sinks], dead_letters, stats)
    stats = delivery.stats
    for sink in delivery.sinks:
        sink.setup()
    bootstrap = settings.kafka.bootstrap_servers
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "fetch.wait.max.ms": settings.kafka.fetch_max_wait_ms,
                         "session.timeout.ms": settings.kafka.consumer_session_timeout_ms})
    tps = [TopicPartition(t, p) for t in delivery.route for p in partitions_of(bootstrap, t)]
    committed = consumer.committed(tps, timeout=15)
    position = {(tp.topic, tp.partition): (tp.offset if tp.offset >= 0 else 0) for tp in committed}
    consumer.assign([TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING)
                     for tp in committed])
    flushed_at = time.monotonic()

    def flush_and_commit() -> None:
        nonlocal flushed_at
        delivery.flush()
        consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in position.items()], asynchronous=False)
        flushed_at = time.monotonic()
        if progress:
            progress(stats.applied)

    try:
        while stop is None or not stop.is_set():
            ends = until() if callable(until) else until
            # only the topics some sink reads: a job's output that no sink of this loader handles is
            # delivered elsewhere (or kept in Kafka) and never moves this loader's positions
            if ends is not None and all(position.get((t, p), 0) >= o for t, parts in ends.items()
                                        if t in delivery.route for p, o in parts.items()):
                break
            batch = _next_batch(consumer, batch_rows, batch_ms)
            if batch:
                delivery.write([_record(msg) for msg in batch])
                for msg in batch:
                    position[(msg.topic(), msg.partition())] = msg.offset() + 1
            if delivery.pending and (delivery.pending >= batch_rows
                                     or time.monotonic() - flushed_at >= flush_ms / 1000):
                flush_and_commit()
        if delivery.pending:
            flush_and_commit()
    finally:
        consumer.close()
    if stats.dead_letters:
        log.warning("%d record(s) kept as dead letters: %s", stats.dead_letter_total,
                    ", ".join(f"{t} {reason} x{n}" for (t, reason), n in sorted(stats.dead_letters.items())))
    return stats.applied


def _record(msg) -> Record:
    return Record(msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value(), msg.timestamp()[1])


def _next_batch(consumer: Consumer, batch_rows: int, batch_ms: int) -> list:
    """Records available now: up to ``batch_rows``, waiting at most ``batch_ms`` in all and returning
    as soon as the topics have nothing more after the first records."""
    batch: list = []
    deadline = time.monotonic() + batch_ms / 1000
    while len(batch) < batch_rows and time.monotonic() < deadline:
        got = consumer.consume(num_messages=batch_rows - len(batch), timeout=0.01 if batch else 0.05)
        for msg in got:
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    raise LoaderError(f"reading {msg.topic()}: {msg.error()}")
                continue
            batch.append(msg)
        if batch and not got:
            break
    return batch
