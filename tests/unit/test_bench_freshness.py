"""Freshness bookkeeping: event times, the estimated watermark, samples and their figures."""
from __future__ import annotations

import time

from bench.freshness import (FreshnessTracker, Probe, Sample, WatermarkClock, event_time_ms, freshness_figures,
                             product_probes, tile_end_ms)
from shopstream.generator import GeneratedRecord


def test_tile_end_is_the_end_of_the_minute():
    assert tile_end_ms(1_790_000_000_000) == 1_790_000_040_000
    assert tile_end_ms(1_790_000_040_000) == 1_790_000_100_000


def test_event_time_is_the_payload_ts_when_plausible():
    kafka_ts = 1_790_000_000_000
    assert event_time_ms(b'{"event_id":"e","ts":1789999999000,"x":1}', kafka_ts) == 1_789_999_999_000
    assert event_time_ms(b'{"ts": "soon"}', kafka_ts) == kafka_ts
    assert event_time_ms(b'{"ts":1790090000000}', kafka_ts) == kafka_ts  # more than a day ahead
    assert event_time_ms(None, kafka_ts) == kafka_ts


def test_watermark_is_the_slowest_partition_minus_the_delay():
    clock = WatermarkClock([("c", 0), ("c", 1)], delay_ms=5000)
    assert clock.observe("c", 0, 100_000) is None  # partition 1 has had nothing yet
    assert clock.observe("c", 1, 50_000) == 45_000
    assert clock.observe("c", 0, 200_000) == 45_000
    assert clock.observe("other", 0, 900_000) == 45_000  # a topic the job does not read
    assert clock.observe("c", 1, 300_000) == 195_000


class _Msg:
    def __init__(self, topic, partition):
        self._t, self._p = topic, partition

    def topic(self):
        return self._t

    def partition(self):
        return self._p


class _FakeProducer:
    def __init__(self, config):
        self.reports = []

    def produce(self, topic, value, key, timestamp, on_delivery):
        self.reports.append((on_delivery, _Msg(topic, 0)))

    def poll(self, timeout):
        for callback, msg in self.reports:
            callback(None, msg)
        self.reports.clear()
        return 0

    def flush(self, timeout):
        return self.poll(timeout)


def record(user: str, ts: int, kind: str = "valid") -> GeneratedRecord:
    value = f'{{"event_id":"{user}{ts}","event_type":"page_view","user_id":"{user}","ts":{ts}}}'.encode()
    return GeneratedRecord("clickstream", user.encode(), value, ts, kind)


def test_tracker_samples_valid_events_and_notes_when_the_watermark_passes():
    tracker = FreshnessTracker({"profile": product_probes()["user_profiles"]}, [("clicks", 0)], watermark_delay_ms=5000)
    producer = tracker.producer_factory(_FakeProducer)({})
    records = [record("u1", 60_000), record("u2", 61_000, "duplicate"), record("u2", 62_000),
               record("u3", 125_000), record("u4", 185_000)]
    delivered = []
    for r in tracker.feed(records, every=2):
        producer.produce("clicks", value=r.value, key=r.key, timestamp=r.ts_ms,
                         on_delivery=lambda err, msg: delivered.append(err))
        producer.poll(0)
    assert delivered == [None] * 5  # the caller's own delivery reports still arrive
    assert [s.probe for s in tracker.samples] == [Probe("profile:u2", "as_of_ms_1h", 120_000),
                                                  Probe("profile:u4", "as_of_ms_1h", 240_000)]
    first, second = tracker.samples
    assert first.acked_at is not None and first.watermark_at is not None  # 125 s - 5 s passed 120 s
    assert second.watermark_at is None
    assert tracker.pending() == [first, second]


def test_freshness_figures_split_event_time_wait_and_pipeline():
    t0 = time.monotonic()
    probe = Probe("k", "f", 1)
    samples = [Sample("profile", probe, acked_at=t0 + 1, watermark_at=t0 + 1.2, visible_at=t0 + 1.5, resolution_s=0.01),
               Sample("profile", probe, acked_at=t0 + 2, watermark_at=t0 + 2.0, visible_at=t0 + 2.1, resolution_s=0.01),
               Sample("profile", probe, acked_at=t0 + 3, watermark_at=None),               # never measurable
               Sample("profile", probe, acked_at=t0 + 4, watermark_at=t0 + 4.1),           # never seen
               Sample("profile", probe, acked_at=t0 + 0.5, watermark_at=t0 + 1, visible_at=t0 + 2)]  # warm-up
    f = freshness_figures(samples, since=t0 + 0.9)
    assert (f["samples"], f["measured"], f["watermark_never_passed"], f["never_visible"]) == (4, 2, 1, 1)
    assert f["freshness_ms"]["max"] == 500.0 and f["freshness_ms"]["p50"] == 300.0
    assert f["event_time_wait_ms"]["max"] == 200.0
    assert f["pipeline_ms"]["max"] == 300.0
    assert f["resolution_ms_max"] == 10.0
