"""The loader loop: read output topics, apply, flush, then commit; stop at given end offsets.

Two paces. Serving writes (Redis) are applied as soon as records arrive: a batch closes when the topic
has nothing more for the moment, when it holds ``batch_rows`` records, or ``batch_ms`` after its first
record. Analytics rows (ClickHouse) are queued by the appliers and inserted by ``flush()`` once
``batch_rows`` records or ``flush_ms`` have gone by, so ClickHouse gets few large inserts. Offsets are
committed only after a flush: a crash replays everything since, and every write is idempotent
(versioned Redis writes, ClickHouse rows that replace or are inserted once).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Protocol

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from shopstream.broker import partitions_of
from shopstream.settings import Settings

log = logging.getLogger("shopstream.loader")


class Applier(Protocol):
    def topics_handled(self) -> list[str]: ...

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int:
        """Write the serving side of ``records`` now; queue their analytics rows."""

    def flush(self) -> None:
        """Write the queued analytics rows."""


class LoaderError(RuntimeError):
    pass


def run_loader(settings: Settings, group: str, appliers: list[Applier], *,
               until: dict[str, dict[int, int]] | Callable[[], dict[str, dict[int, int]] | None] | None = None,
               stop: threading.Event | None = None, batch_rows: int = 5000, batch_ms: int = 200,
               flush_ms: int = 1000, progress: Callable[[int], None] | None = None) -> int:
    """Deliver until ``stop`` is set, or until every partition reached ``until`` (end offsets).

    ``until`` may be a callable returning the end offsets once they are known (e.g. after the job
    finished); returns the number of records applied and committed.
    """
    missing = [type(a).__name__ for a in appliers if not callable(getattr(a, "flush", None))]
    if missing:
        raise LoaderError(f"not loader appliers (no flush()): {', '.join(missing)}")
    route = {t: a for a in appliers for t in a.topics_handled()}
    bootstrap = settings.kafka.bootstrap_servers
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "fetch.wait.max.ms": settings.kafka.fetch_max_wait_ms,
                         "session.timeout.ms": settings.kafka.consumer_session_timeout_ms})
    tps = [TopicPartition(t, p) for t in route for p in partitions_of(bootstrap, t)]
    committed = consumer.committed(tps, timeout=15)
    position = {(tp.topic, tp.partition): (tp.offset if tp.offset >= 0 else 0) for tp in committed}
    consumer.assign([TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING)
                     for tp in committed])
    applied, unflushed, flushed_at = 0, 0, time.monotonic()

    def flush_and_commit() -> None:
        nonlocal applied, unflushed, flushed_at
        for a in appliers:
            a.flush()
        consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in position.items()], asynchronous=False)
        applied, unflushed, flushed_at = applied + unflushed, 0, time.monotonic()
        if progress:
            progress(applied)

    try:
        while stop is None or not stop.is_set():
            ends = until() if callable(until) else until
            if ends is not None and all(position.get((t, p), 0) >= o for t, parts in ends.items()
                                        for p, o in parts.items()):
                break
            batch = _next_batch(consumer, batch_rows, batch_ms)
            if batch:
                by_applier: dict[int, list] = {}
                for msg in batch:
                    by_applier.setdefault(id(route[msg.topic()]), []).append((msg.topic(), msg.key(), msg.value()))
                    position[(msg.topic(), msg.partition())] = msg.offset() + 1
                for a in appliers:
                    recs = by_applier.get(id(a))
                    if recs:
                        a.apply(recs)
                unflushed += len(batch)
            if unflushed and (unflushed >= batch_rows or time.monotonic() - flushed_at >= flush_ms / 1000):
                flush_and_commit()
        if unflushed:
            flush_and_commit()
    finally:
        consumer.close()
    return applied


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
