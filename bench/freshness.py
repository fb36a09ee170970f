"""Freshness: from the moment the broker has an event to the moment its effect is readable in Redis.

How it is measured (the benchmark's definition):

* Start, ``acked_at``: the generated records carry simulated Kafka timestamps (their arrival times in
  the generated traffic), so the broker timestamp cannot be compared with a wall clock. The start is
  instead the wall-clock moment the producer's delivery report for the record is handled: the broker
  has appended the record and acknowledged it (acks=all), so a consumer can read it from then on. The
  producer lingers at most 5 ms in this phase, and its delivery reports are served after every send.
* Effect: a *probe* per sampled event names a Redis hash field and the smallest value that shows the
  event was applied. For the profile job: ``profile:{user_id}`` field ``as_of_ms_1h`` at least the end
  of the event's minute (the window group that counts the event has been written; versions never go
  back). For the ad job: ``ads:ad:{ad_id}`` field ``as_of_ms_5m`` for an ad impression.
* End, ``visible_at``: a poller reads the probed fields of every pending sample with one pipeline per
  round and notes the wall-clock time after the reply in which the value first qualifies. A round
  comes every 10 ms, or less often when many samples are pending (at most ``max_reads_per_s`` reads a
  second); the interval in force is kept with each sample as its resolution.
* Sampled events: after every k valid (not bad, late or duplicate) events, each product's probe takes
  the next valid event it applies to; k is chosen for about ``samples_per_s`` samples a second.
* Event-time wait: a minute's totals are emitted when the job's watermark passes the minute's end, and
  the watermark only moves when later events arrive on *every* input partition. ``watermark_at``
  estimates when that happened: the first delivery report after which, on every input partition, the
  newest event time minus the watermark delay reaches the minute's end. ``freshness = visible_at -
  acked_at`` splits into the event-time wait (``watermark_at - acked_at``, a property of the traffic,
  not of the pipeline) and the pipeline's part (``visible_at - max(acked_at, watermark_at)``).
  Samples whose watermark never passed during the phase (the last minutes of traffic) are left out for
  every target, peers included.
"""
from __future__ import annotations

import heapq
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bench.stats import summarize
from shopstream.contract.checks import DEFAULT_MAX_FUTURE_MS
from shopstream.event_time import minute_end_ms as tile_end_ms  # the as_of_ms of an event's window rows

_TS = re.compile(rb'"ts"\s*:\s*(-?\d+)\s*[,}]')




def event_time_ms(value: bytes | None, kafka_ts_ms: int) -> int:
    """The event time a job gives a raw record: the payload's integer ``ts`` when plausible (positive,
    at most a day after the Kafka timestamp), else the Kafka timestamp."""
    m = _TS.search(value or b"")
    if m:
        ts = int(m.group(1))
        if 0 < ts <= kafka_ts_ms + DEFAULT_MAX_FUTURE_MS:
            return ts
    return kafka_ts_ms


@dataclass(frozen=True)
class Probe:
    """The event is visible once ``HGET key field`` is an integer of at least ``at_least``."""

    key: str
    field: str
    at_least: int


def product_probes() -> dict[str, Callable[[str, dict], Probe | None]]:
    """Each registered product's freshness probe (``Product.probe``), by product name."""
    from shopstream.registry import products

    def probe_of(freshness):
        def probe(topic_setting: str, doc: dict) -> Probe | None:
            found = freshness(topic_setting, doc)
            return Probe(*found) if found else None
        return probe

    return {p.name: probe_of(p.probe.freshness) for p in products() if p.probe}


class WatermarkClock:
    """Estimated watermark of a job reading ``partitions``: the minimum over them of the newest event
    time seen minus ``delay_ms``; None until every partition has had a record."""

    def __init__(self, partitions: Iterable[tuple[str, int]], delay_ms: int):
        self.newest: dict[tuple[str, int], int | None] = {p: None for p in partitions}
        self.delay_ms = delay_ms
        self.value: int | None = None

    def observe(self, topic: str, partition: int, event_time: int) -> int | None:
        key = (topic, partition)
        if key not in self.newest:
            return self.value
        held = self.newest[key]
        if held is None or event_time > held:
            self.newest[key] = event_time
            if all(v is not None for v in self.newest.values()):
                self.value = min(v for v in self.newest.values() if v is not None) - self.delay_ms
        return self.value


@dataclass
class Sample:
    product: str
    probe: Probe
    acked_at: float | None = None
    watermark_at: float | None = None
    visible_at: float | None = None
    resolution_s: float | None = None


class FreshnessTracker:
    """Samples events on their way to the broker, notes their delivery and watermark times, and polls
    Redis for their effect. Times are ``time.monotonic()`` (one clock for every thread)."""

    def __init__(self, probes: dict[str, Callable[[str, dict], Probe | None]], partitions: Iterable[tuple[str, int]],
                 watermark_delay_ms: int):
        self.probes = probes
        self.clock = WatermarkClock(partitions, watermark_delay_ms)
        self.samples: list[Sample] = []
        self._next: Sample | None = None
        self._waiting: list[tuple[int, int, Sample]] = []  # heap of (minute end, seq, sample) without watermark_at
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def feed(self, records: Iterable, every: int) -> Iterator:
        """``records`` unchanged; after every ``every`` valid events (``every <= 0``: never) each probe
        samples the next valid event it applies to."""
        n, wanting = 0, set()
        for record in records:
            if every > 0 and record.kind == "valid":
                n += 1
                if n % every == 0:
                    wanting = set(self.probes)
                if wanting:
                    doc = json.loads(record.value)
                    for product in sorted(wanting):
                        probe = self.probes[product](record.topic_setting, doc)
                        if probe is not None:
                            self._next = Sample(product, probe)
                            wanting.discard(product)
                            break
            yield record

    def producer_factory(self, make_producer: Callable[[dict], object]) -> Callable[[dict], object]:
        """A producer factory for ``produce_to_kafka`` whose delivery reports feed this tracker."""
        return lambda config: _TrackingProducer(make_producer(config), self)

    def delivered(self, topic: str, partition: int, event_time: int, sample: Sample | None) -> None:
        now = time.monotonic()
        with self._lock:
            if sample is not None:
                sample.acked_at = now
                self.samples.append(sample)
                heapq.heappush(self._waiting, (sample.probe.at_least, next(self._seq), sample))
            watermark = self.clock.observe(topic, partition, event_time)
            if watermark is not None:
                # a minute [end - 60 s, end) fires once the watermark reaches its last millisecond
                while self._waiting and self._waiting[0][0] - 1 <= watermark:
                    heapq.heappop(self._waiting)[2].watermark_at = now

    def pending(self) -> list[Sample]:
        with self._lock:
            return [s for s in self.samples if s.visible_at is None]


class _TrackingProducer:
    def __init__(self, producer, tracker: FreshnessTracker):
        self._producer = producer
        self._tracker = tracker

    def produce(self, topic, value, key, timestamp, on_delivery):
        sample, tracker = self._tracker._next, self._tracker
        event_time = event_time_ms(value, timestamp)

        def report(err, msg):
            on_delivery(err, msg)
            if err is None:
                tracker.delivered(msg.topic(), msg.partition(), event_time, sample)

        self._producer.produce(topic, value=value, key=key, timestamp=timestamp, on_delivery=report)
        tracker._next = None

    def poll(self, timeout):
        return self._producer.poll(timeout)

    def flush(self, timeout):
        return self._producer.flush(timeout)


class VisibilityPoller(threading.Thread):
    """Reads the probed fields of pending samples until stopped (see the module docstring)."""

    def __init__(self, redis_client, tracker: FreshnessTracker, *, min_interval_s: float = 0.01,
                 max_reads_per_s: int = 5000):
        super().__init__(name="visibility-poller", daemon=True)
        self.redis = redis_client
        self.tracker = tracker
        self.min_interval_s = min_interval_s
        self.max_reads_per_s = max_reads_per_s
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            interval = self.poll_once()
            self._stop_event.wait(interval)

    def poll_once(self) -> float:
        pending = [s for s in self.tracker.pending() if s.acked_at is not None]
        fields = sorted({(s.probe.key, s.probe.field) for s in pending})
        interval = max(self.min_interval_s, len(fields) / self.max_reads_per_s)
        if not fields:
            return interval
        pipe = self.redis.pipeline(transaction=False)
        for key, name in fields:
            pipe.hget(key, name)
        values = dict(zip(fields, pipe.execute()))
        now = time.monotonic()
        for s in pending:
            value = values.get((s.probe.key, s.probe.field))
            if value not in (None, "") and int(float(value)) >= s.probe.at_least:
                s.visible_at = now
                s.resolution_s = interval
        return interval

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


def write_samples(samples: list[Sample], path) -> None:
    """Every sample's times (monotonic seconds) as JSON lines, to look at the tail of a run afterwards;
    the first line gives ``wall_minus_monotonic`` to place them next to log timestamps."""
    with open(path, "w") as out:
        out.write(json.dumps({"wall_minus_monotonic": time.time() - time.monotonic()}) + "\n")
        for s in samples:
            out.write(json.dumps({"product": s.product, "key": s.probe.key, "acked_at": s.acked_at,
                                  "watermark_at": s.watermark_at, "visible_at": s.visible_at}) + "\n")


def freshness_by_product(samples: list[Sample], since: float) -> dict[str, dict]:
    """``freshness_figures`` of each product's samples."""
    products = sorted({s.product for s in samples})
    return {p: freshness_figures([s for s in samples if s.product == p], since) for p in products}


def freshness_figures(samples: list[Sample], since: float) -> dict:
    """Freshness, event-time wait and pipeline part (ms) of the samples delivered at or after ``since``
    whose watermark passed during the phase; counts of the others."""
    considered = [s for s in samples if s.acked_at is not None and s.acked_at >= since]
    measurable = [s for s in considered if s.watermark_at is not None]
    seen = [s for s in measurable if s.visible_at is not None]
    return {
        "samples": len(considered),
        "measured": len(seen),
        "watermark_never_passed": len(considered) - len(measurable),
        "never_visible": len(measurable) - len(seen),
        "freshness_ms": summarize((s.visible_at - s.acked_at for s in seen), 1000, 1),
        "event_time_wait_ms": summarize((max(0.0, s.watermark_at - s.acked_at) for s in seen), 1000, 1),
        "pipeline_ms": summarize((max(0.0, s.visible_at - max(s.acked_at, s.watermark_at)) for s in seen), 1000, 1),
        "resolution_ms_max": round(max((s.resolution_s or 0.0 for s in seen), default=0.0) * 1000, 1),
    }
