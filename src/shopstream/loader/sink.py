"""The loader's sink contract: set up once, write a batch per topic and partition, flush.

A sink handles some output topics. ``write(batch)`` gets the records of one topic and one partition,
in offset order: it writes their serving side at once and queues their analytics rows; ``flush()``
writes the queued rows. The loop commits offsets only after every sink flushed.

A record that a sink cannot apply is the data's fault, not the sink's: ``write`` raises (a
``RecordError``, or the ``KeyError``/``ValueError``/``TypeError`` of decoding it) and the loop writes
the batch again in smaller parts to find that record, which becomes a dead letter (see ``loop.py``).
So ``write`` must leave nothing behind when it raises, or only what writing again repeats harmlessly:
decode the whole batch first, then write. Models: quix-streams ``sinks/base/sink.py`` and
``error_callbacks.py``.
"""
from __future__ import annotations

import abc
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

LegacyRecord = tuple[str, bytes | None, bytes | None]  # (topic, key, value): what an Applier is given


class RecordError(ValueError):
    """Raised by a sink for a record it cannot apply (e.g. a value out of its range)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One output record and its source position."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int = 0  # Kafka record timestamp

    def json(self) -> Any:
        """The value decoded as JSON (None for a tombstone); raises ``ValueError`` when it is not JSON."""
        return None if self.value is None else json.loads(self.value)


@dataclass(frozen=True, slots=True)
class Batch:
    """Records of one topic and one partition, in offset order."""

    topic: str
    partition: int
    records: tuple[Record, ...]

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def halves(self) -> tuple[Batch, Batch]:
        middle = len(self.records) // 2
        return (Batch(self.topic, self.partition, self.records[:middle]),
                Batch(self.topic, self.partition, self.records[middle:]))


def batches_of(records: Iterable[Record]) -> list[Batch]:
    """The records grouped by topic and partition (in order of first appearance), each in its order."""
    groups: dict[tuple[str, int], list[Record]] = {}
    for r in records:
        groups.setdefault((r.topic, r.partition), []).append(r)
    return [Batch(t, p, tuple(rs)) for (t, p), rs in groups.items()]


ErrorCallback = Callable[[Exception, Record], None]
"""Called with a record that a sink could not apply and the exception it raised."""


class Sink(abc.ABC):
    """What the loader delivers to. ``topics`` and ``write`` are required; ``setup`` and ``flush``
    default to doing nothing (a sink without analytics rows has nothing to flush)."""

    def setup(self) -> None:
        """Called once before reading: check connections (e.g. ping) so that a bad one fails at once."""

    @abc.abstractmethod
    def topics(self) -> list[str]:
        """The topics this sink handles; each topic has exactly one sink."""

    @abc.abstractmethod
    def write(self, batch: Batch) -> None:
        """Write the serving side of ``batch`` now; queue its analytics rows for ``flush``."""

    def flush(self) -> None:
        """Write the queued analytics rows; raising here stops the loader before it commits."""


class Applier(Protocol):
    """The loader's earlier interface, still accepted through ``ApplierSink``."""

    def topics_handled(self) -> list[str]: ...

    def apply(self, records: list[LegacyRecord]) -> int:
        """Write the serving side of ``records`` now; queue their analytics rows."""

    def flush(self) -> None:
        """Write the queued analytics rows."""


_APPLIER_METHODS = ("topics_handled", "apply", "flush")


class ApplierSink(Sink):
    """An ``Applier`` behind the contract: each batch is applied as ``(topic, key, value)`` tuples.

    Porting an applier is mechanical: ``topics_handled`` becomes ``topics``, and ``apply(records)``
    becomes ``write(batch)`` iterating ``batch`` (``r.topic, r.key, r.value``, or ``r.json()``)."""

    def __init__(self, applier: Applier):
        self.applier = applier

    def setup(self) -> None:
        setup = getattr(self.applier, "setup", None)
        if callable(setup):
            setup()

    def topics(self) -> list[str]:
        return list(self.applier.topics_handled())

    def write(self, batch: Batch) -> None:
        self.applier.apply([(r.topic, r.key, r.value) for r in batch])

    def flush(self) -> None:
        self.applier.flush()


def missing_methods(obj: object) -> list[str]:
    """What ``obj`` lacks to be delivered to: nothing for a ``Sink`` or a complete ``Applier``."""
    if isinstance(obj, Sink):
        return []
    return [m for m in _APPLIER_METHODS if not callable(getattr(obj, m, None))]


def as_sink(obj: Sink | Applier) -> Sink:
    """``obj`` itself when it is a ``Sink``, else the applier behind an ``ApplierSink``."""
    if isinstance(obj, Sink):
        return obj
    if missing_methods(obj):
        raise TypeError(f"{type(obj).__name__} is neither a Sink nor an Applier (no "
                        f"{', '.join(m + '()' for m in missing_methods(obj))})")
    return ApplierSink(obj)
