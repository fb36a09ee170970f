"""The loader loop: read output topics in batches, apply, then commit; stop at given end offsets."""
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

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int: ...


class LoaderError(RuntimeError):
    pass


def run_loader(settings: Settings, group: str, appliers: list[Applier], *,
               until: dict[str, dict[int, int]] | Callable[[], dict[str, dict[int, int]] | None] | None = None,
               stop: threading.Event | None = None, batch_rows: int = 5000, batch_ms: int = 200,
               progress: Callable[[int], None] | None = None) -> int:
    """Deliver until ``stop`` is set, or until every partition reached ``until`` (end offsets).

    ``until`` may be a callable returning the end offsets once they are known (e.g. after the job
    finished); returns the number of records applied.
    """
    route = {t: a for a in appliers for t in a.topics_handled()}
    bootstrap = settings.kafka.bootstrap_servers
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100,
                         "session.timeout.ms": settings.kafka.consumer_session_timeout_ms})
    tps = [TopicPartition(t, p) for t in route for p in partitions_of(bootstrap, t)]
    committed = consumer.committed(tps, timeout=15)
    position = {(tp.topic, tp.partition): (tp.offset if tp.offset >= 0 else 0) for tp in committed}
    consumer.assign([TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else OFFSET_BEGINNING)
                     for tp in committed])
    applied = 0
    try:
        while stop is None or not stop.is_set():
            ends = until() if callable(until) else until
            if ends is not None and all(position.get((t, p), 0) >= o for t, parts in ends.items()
                                        for p, o in parts.items()):
                break
            batch, deadline = [], time.monotonic() + batch_ms / 1000
            while len(batch) < batch_rows and time.monotonic() < deadline:
                for msg in consumer.consume(num_messages=batch_rows - len(batch), timeout=0.05):
                    if msg.error():
                        if msg.error().code() != KafkaError._PARTITION_EOF:
                            raise LoaderError(f"reading {msg.topic()}: {msg.error()}")
                        continue
                    batch.append(msg)
            if not batch:
                continue
            by_applier: dict[int, list] = {}
            for msg in batch:
                by_applier.setdefault(id(route[msg.topic()]), []).append((msg.topic(), msg.key(), msg.value()))
                position[(msg.topic(), msg.partition())] = msg.offset() + 1
            for a in appliers:
                recs = by_applier.get(id(a))
                if recs:
                    a.apply(recs)
            consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in position.items()],
                            asynchronous=False)
            applied += len(batch)
            if progress:
                progress(applied)
    finally:
        consumer.close()
    return applied
