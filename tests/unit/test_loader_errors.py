"""The loader's sink contract and error policy on in-memory sinks: no broker, no services."""
from __future__ import annotations

import json
import logging

import pytest
import redis
from clickhouse_connect.driver.exceptions import OperationalError

from shopstream.loader.dead_letters import DEAD_LETTER_COLUMNS, LoaderDeadLetters, loader_error_reason
from shopstream.loader.loop import Delivery, LoaderStats, is_record_error, write_isolating
from shopstream.loader.sink import ApplierSink, Batch, Record, RecordError, Sink, as_sink, batches_of


def rec(offset: int, value: bytes | None, topic: str = "out", partition: int = 0) -> Record:
    return Record(topic, partition, offset, b"k", value, timestamp_ms=1_790_000_000_000 + offset)


def good(offset: int, topic: str = "out", partition: int = 0) -> Record:
    return rec(offset, json.dumps({"n": offset}).encode(), topic, partition)


class MemorySink(Sink):
    """Decodes the whole batch first, then 'writes' it: a failing write leaves nothing behind."""

    def __init__(self, *topics: str, raise_on: Exception | None = None):
        self._topics = list(topics) or ["out"]
        self.raise_on = raise_on
        self.written: list[tuple[str, int, int, int]] = []
        self.queued: list[int] = []
        self.flushed: list[int] = []
        self.batches: list[Batch] = []
        self.calls: list[str] = []

    def topics(self) -> list[str]:
        return self._topics

    def write(self, batch: Batch) -> None:
        self.batches.append(batch)
        self.calls.append("write")
        if self.raise_on is not None:
            raise self.raise_on
        rows = [(r.topic, r.partition, r.offset, r.json()["n"]) for r in batch]
        self.written += rows
        self.queued += [n for *_, n in rows]

    def flush(self) -> None:
        self.calls.append("flush")
        self.flushed += self.queued
        self.queued = []


class MemoryDeadLetters:
    def __init__(self, calls: list[str] | None = None):
        self.rows: list[tuple[Record, str]] = []
        self.stored: list[tuple[Record, str]] = []
        self.calls = calls if calls is not None else []

    def add(self, record: Record, reason: str) -> None:
        self.rows.append((record, reason))

    def flush(self) -> int:
        self.calls.append("dead_letters")
        self.stored += self.rows
        n, self.rows = len(self.rows), []
        return n


class StoringClickHouse:
    """Keeps inserted rows and answers insert_absent's lookup with their keys (a superset is enough)."""

    def __init__(self):
        self.rows: list[list] = []
        self.inserts = 0

    def query(self, sql, parameters=None):
        keys = sorted({(r[0], r[1], r[2], r[3]) for r in self.rows})
        return type("Result", (), {"result_rows": keys})()

    def insert(self, table, rows, column_names=None):
        assert table == "dead_letters" and column_names == DEAD_LETTER_COLUMNS
        self.rows += rows
        self.inserts += 1


def test_a_bad_record_becomes_a_dead_letter_and_the_others_are_written_once_in_order():
    records = [good(i) for i in range(10)]
    records[3] = rec(3, b"{not json")
    records[7] = rec(7, b'{"m": 7}')
    sink, failed = MemorySink(), []
    n = write_isolating(sink, Batch("out", 0, tuple(records)), lambda exc, r: failed.append((r.offset, exc)))
    assert n == 2
    assert [(o, type(e)) for o, e in failed] == [(3, json.JSONDecodeError), (7, KeyError)]
    assert [w[2] for w in sink.written] == [0, 1, 2, 4, 5, 6, 8, 9]


def test_halving_finds_a_bad_record_in_few_writes():
    records = [good(i) for i in range(64)]
    records[41] = rec(41, b"")
    sink, failed = MemorySink(), []
    write_isolating(sink, Batch("out", 0, tuple(records)), lambda exc, r: failed.append(r.offset))
    assert failed == [41]
    assert len(sink.batches) <= 1 + 2 * 6  # log2(64) = 6 levels of two halves, not one write per record
    assert sorted(w[2] for w in sink.written) == [i for i in range(64) if i != 41]


@pytest.mark.parametrize("exc", [redis.exceptions.ConnectionError("refused"), redis.exceptions.TimeoutError("slow"),
                                 OperationalError("HTTP 503"), ConnectionResetError("reset"), TimeoutError(),
                                 OSError("disk"), RuntimeError("bug")])
def test_errors_of_the_services_stop_the_write_and_make_no_dead_letter(exc):
    sink, failed = MemorySink(raise_on=exc), []
    with pytest.raises(type(exc)):
        write_isolating(sink, Batch("out", 0, (good(0), good(1))), lambda e, r: failed.append(r))
    assert failed == [] and len(sink.batches) == 1


@pytest.mark.parametrize("exc, expected", [
    (KeyError("user_id"), True), (ValueError("bad"), True), (TypeError("str and int"), True),
    (json.JSONDecodeError("Expecting value", "x", 0), True), (RecordError("as_of_ms < 0"), True),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), True), (IndexError("list"), True),
    (redis.exceptions.DataError("Invalid input of type: 'dict'"), True),
    (redis.exceptions.ConnectionError("refused"), False), (redis.exceptions.ResponseError("OOM"), False),
    (redis.exceptions.LockError("not owned"), False),  # a ValueError, but Redis's
    (OperationalError("network"), False), (ConnectionError("reset"), False), (RuntimeError("bug"), False),
])
def test_which_errors_are_about_a_record(exc, expected):
    assert is_record_error(exc) is expected


def test_the_reason_names_the_type_and_the_first_line_of_the_message_briefly():
    assert loader_error_reason(KeyError("user_id")) == "loader_error: KeyError: 'user_id'"
    assert loader_error_reason(ValueError("one\ntwo")) == "loader_error: ValueError: one"
    assert loader_error_reason(RecordError()) == "loader_error: RecordError"
    long = loader_error_reason(ValueError("x" * 1000))
    assert len(long) < 200 and long.endswith("...")


def test_each_sink_gets_batches_of_one_topic_and_one_partition_in_offset_order():
    records = [good(0, "a", 0), good(0, "b", 1), good(1, "a", 0), good(0, "a", 1), good(2, "a", 0), good(1, "b", 1)]
    assert [(b.topic, b.partition, [r.offset for r in b]) for b in batches_of(records)] == [
        ("a", 0, [0, 1, 2]), ("b", 1, [0, 1]), ("a", 1, [0])]
    a, b = MemorySink("a"), MemorySink("b")
    Delivery([a, b], MemoryDeadLetters()).write(records)
    assert [(x.topic, x.partition, len(x)) for x in a.batches] == [("a", 0, 3), ("a", 1, 1)]
    assert [(x.topic, x.partition, len(x)) for x in b.batches] == [("b", 1, 2)]


def test_dead_letters_are_stored_before_the_sinks_flush_and_counted_per_topic_and_reason(caplog):
    calls: list[str] = []
    sink, dead, stats = MemorySink("out", "other"), MemoryDeadLetters(calls), LoaderStats()
    sink.calls = calls
    delivery = Delivery([sink], dead, stats)
    records = [good(0), rec(1, b'{"m": 1}'), good(2), rec(3, b'{"m": 3}', partition=1), rec(0, b"[", "other")]
    with caplog.at_level(logging.WARNING, logger="shopstream.loader"):
        assert delivery.write(records) == 3
    assert stats.applied == 0 and delivery.pending == 5  # nothing counts as applied before the flush
    assert [(r.topic, r.partition, r.offset) for r, _ in dead.rows] == [("out", 0, 1), ("out", 1, 3), ("other", 0, 0)]
    assert stats.dead_letters == {("out", "loader_error: KeyError: 'n'"): 2,
                                  ("other", "loader_error: JSONDecodeError: Expecting value: line 1 column 2 "
                                            "(char 1)"): 1}
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 3 and "out[0]@1" in warned[0] and "out[1]@3" in warned[1] and "other[0]@0" in warned[2]
    calls.clear()
    delivery.flush()
    assert calls[0] == "dead_letters" and calls[1:] == ["flush"]
    assert stats.applied == 2 and delivery.pending == 0 and len(dead.stored) == 3
    assert sink.flushed == [0, 2]


def test_a_dead_letter_is_stored_once_per_position_even_when_replayed_after_a_crash():
    ch, connects = StoringClickHouse(), []
    store = LoaderDeadLetters("user_profiles", lambda: connects.append(1) or ch)
    assert store.flush() == 0 and connects == []  # no rows, no connection
    bad = rec(7, b"{not json", topic="profile_windows", partition=2)

    class FailingFlush(MemorySink):
        def flush(self) -> None:
            raise RuntimeError("ClickHouse is down")

    crashing = Delivery([FailingFlush("profile_windows")], store)
    crashing.write([good(6, "profile_windows", 2), bad])
    with pytest.raises(RuntimeError, match="ClickHouse is down"):
        crashing.flush()  # the dead letter was stored, the offsets were not committed ...
    replay = Delivery([MemorySink("profile_windows")], store)
    replay.write([good(6, "profile_windows", 2), bad])  # ... so the replay meets the record again
    replay.flush()
    assert connects == [1] and ch.inserts == 1
    (row,) = ch.rows
    assert row[:5] == ["profile_windows", 2, 7, "user_profiles",
                       "loader_error: JSONDecodeError: Expecting property name enclosed in double quotes: "
                       "line 1 column 2 (char 1)"]
    assert row[5] == b"{not json" and row[6].year == 2026
    assert replay.stats.dead_letter_total == 1 and replay.stats.applied == 1


class LegacyApplier:
    def __init__(self):
        self.seen: list[list] = []
        self.setups = 0
        self.flushes = 0

    def setup(self):
        self.setups += 1

    def topics_handled(self):
        return ["out"]

    def apply(self, records):
        rows = [json.loads(v)["n"] for _, _, v in records]
        self.seen.append(rows)
        return len(rows)

    def flush(self):
        self.flushes += 1


def test_an_applier_works_through_the_adapter_under_the_same_policy():
    applier = LegacyApplier()
    sink = as_sink(applier)
    assert isinstance(sink, ApplierSink) and sink.topics() == ["out"]
    sink.setup()
    dead = MemoryDeadLetters()
    delivery = Delivery([sink], dead)
    delivery.write([good(0), rec(1, b"nope"), good(2), good(3)])
    delivery.flush()
    assert sorted(n for rows in applier.seen for n in rows) == [0, 2, 3]
    assert [r.offset for r, _ in dead.stored] == [1]
    assert applier.setups == 1 and applier.flushes == 1
    assert as_sink(sink) is sink


def test_an_object_without_flush_is_not_a_sink():
    class ApplyOnly:
        def topics_handled(self):
            return ["out"]

        def apply(self, records):
            return len(records)

    with pytest.raises(TypeError, match=r"no flush\(\)"):
        as_sink(ApplyOnly())


def test_a_topic_with_two_sinks_is_refused():
    from shopstream.loader.loop import LoaderError

    with pytest.raises(LoaderError, match="topic out has two sinks"):
        Delivery([MemorySink("out"), MemorySink("out")], MemoryDeadLetters())
