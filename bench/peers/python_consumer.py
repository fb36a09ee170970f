"""Plain-Python peer of the profile job: what a user might write instead of adopting shopstream.

One confluent-kafka consumer over `clickstream` and `orders`, dict state, Redis pipelines. Each record
is checked with the contract's Python validator; lateness (older than the newest event time seen in its
partition minus the watermark delay) and deduplication (first event_id wins) follow the job's rules, so
the final Redis values equal the job's. Unlike the job, a user's windows are written after every batch
that touched the user, without waiting for the minute to close (no watermark). Written per user:
``profile:{user_id}`` window totals ``{metric}_{w}`` / ``as_of_ms_{w}``, lifetime totals, device and
country, and ``profile_affinity_scores:{user_id}`` decayed category scores (no derived fields, no
ClickHouse, dead letters only counted).

    python -m bench.peers.python_consumer [--bounded] [--report FILE]

``--bounded`` stops at the end offsets found at start; otherwise it runs until SIGINT or SIGTERM.
"""
from __future__ import annotations

import argparse
import bisect
import json
import pickle
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.peers.layout import LIFETIME_VERSION_FIELD, affinity_scores_key, profile_key
from shopstream.contract import DEFAULT_MAX_FUTURE_MS, load_contract
from shopstream.contract.reference import to_reporting_minor
from shopstream.contract.validate import parse_payload, validate
from shopstream.products.user_profiles.layout import WINDOW_METRICS, window_as_of_field, window_field
from shopstream.settings import Settings, load_settings

MINUTE_MS = 60_000
WINDOW_MINUTES = {"1h": 60, "24h": 24 * 60, "7d": 7 * 24 * 60, "30d": 30 * 24 * 60}
LONGEST = max(WINDOW_MINUTES.values())
VIEWS = frozenset({"page_view", "product_view", "content_view"})
CLICKS = frozenset({"ad_click", "affiliate_click"})
ENGAGEMENTS = frozenset({"like", "comment", "share"})
N_METRICS = len(WINDOW_METRICS)  # events, views, clicks, carts, engagements, orders, spend_minor


def event_time(doc: dict, kafka_ts_ms: int) -> int:
    """The payload's ``ts`` when it is a plausible integer, else the Kafka timestamp (the job's rule)."""
    ts = doc.get("ts")
    if isinstance(ts, str) and ts.strip().lstrip("-").isdigit():
        ts = int(ts)
    if isinstance(ts, int) and not isinstance(ts, bool) and 0 < ts <= kafka_ts_ms + DEFAULT_MAX_FUTURE_MS:
        return ts
    return kafka_ts_ms


@dataclass
class UserState:
    """Minute tiles of one user with running window totals, lifetime totals and category scores."""

    minutes: list = field(default_factory=list)          # sorted minute numbers with a tile
    tiles: dict = field(default_factory=dict)            # minute -> [metric totals]
    sums: dict = field(default_factory=lambda: {w: [0] * N_METRICS for w in WINDOW_MINUTES})
    last_minute: int = -1
    events: int = 0
    views: int = 0
    clicks: int = 0
    carts: int = 0
    orders: int = 0
    spend_minor: int = 0
    priced_views: int = 0
    viewed_price_minor: int = 0
    first_seen_ms: int | None = None
    last_seen_ms: int | None = None
    last_order_ms: int | None = None
    context: str | None = None                           # "ts|device|country" of the latest clickstream event
    scores: dict = field(default_factory=dict)

    def add(self, ts: int, counts: list) -> None:
        """Add ``counts`` (WINDOW_METRICS order) at event time ``ts``."""
        minute = ts // MINUTE_MS
        if minute > self.last_minute:
            self._advance(minute)
        tile = self.tiles.get(minute)
        if tile is None:
            tile = self.tiles[minute] = [0] * N_METRICS
            bisect.insort(self.minutes, minute)
        for i, v in enumerate(counts):
            tile[i] += v
        for w, span in WINDOW_MINUTES.items():
            if minute > self.last_minute - span:
                s = self.sums[w]
                for i, v in enumerate(counts):
                    s[i] += v
        self.first_seen_ms = ts if self.first_seen_ms is None else min(self.first_seen_ms, ts)
        self.last_seen_ms = ts if self.last_seen_ms is None else max(self.last_seen_ms, ts)

    def _advance(self, minute: int) -> None:
        """Move the windows' end to ``minute``: tiles that fall out of a window leave its totals."""
        old = self.last_minute
        self.last_minute = minute
        if old < 0:
            return
        for w, span in WINDOW_MINUTES.items():
            lo_old, lo_new = old - span + 1, minute - span + 1
            start = bisect.bisect_left(self.minutes, lo_old)
            stop = bisect.bisect_left(self.minutes, lo_new)
            s = self.sums[w]
            for m in self.minutes[start:stop]:
                for i, v in enumerate(self.tiles[m]):
                    s[i] -= v
        drop = bisect.bisect_left(self.minutes, minute - LONGEST + 1)
        if drop:
            for m in self.minutes[:drop]:
                del self.tiles[m]
            del self.minutes[:drop]

    def profile_fields(self) -> dict:
        as_of = (self.last_minute + 1) * MINUTE_MS
        out: dict = {}
        for w in WINDOW_MINUTES:
            out.update({window_field(m, w): v for m, v in zip(WINDOW_METRICS, self.sums[w])})
            out[window_as_of_field(w)] = as_of
        device = country = last_event = ""
        if self.context is not None:
            last_event, device, country = self.context.split("|")
        out.update({"events_total": self.events, "views_total": self.views, "clicks_total": self.clicks,
                    "carts_total": self.carts, "orders_total": self.orders, "spend_minor_total": self.spend_minor,
                    "priced_views": self.priced_views, "viewed_price_minor": self.viewed_price_minor,
                    "first_seen_ms": _blank(self.first_seen_ms), "last_seen_ms": _blank(self.last_seen_ms),
                    "last_order_ms": _blank(self.last_order_ms), "device": device, "country": country,
                    "last_event_ms": last_event, LIFETIME_VERSION_FIELD: as_of})
        return out


def _blank(v: int | None):
    return "" if v is None else v


@dataclass
class Counters:
    records: int = 0
    dead_letters: int = 0
    late: int = 0
    duplicates: int = 0


class ProfileState:
    """All state of the peer: per-partition newest event time, seen event ids, users."""

    def __init__(self, settings: Settings):
        p = settings.profiles
        self.delay_ms = settings.events.watermark_delay_ms
        self.currency = settings.events.reporting_currency
        self.order_lookback_ms = settings.events.order_lookback_ms
        self.placed_orders: dict[str, tuple[int, str, list]] = {}  # order_id -> (ts, currency, lines)
        self.epoch_ms = p.affinity_epoch_ms
        self.half_life_ms = p.affinity_half_life_h * 3_600_000
        self.schemas = load_contract()
        self.max_rt: dict[tuple[str, int], int] = {}
        self.seen_ids: dict[str, set] = {"clickstream": set(), "orders": set()}
        self.users: dict[str, UserState] = {}
        self.counters = Counters()

    def accept(self, event: str, partition: int, kafka_ts_ms: int, value: bytes | None) -> str | None:
        """Apply one record of ``event`` (contract name); returns the user it changed, if any."""
        self.counters.records += 1
        doc, reason = parse_payload(value)
        rt = event_time(doc, kafka_ts_ms) if reason is None else kafka_ts_ms
        newest = max(self.max_rt.get((event, partition), rt), rt)
        self.max_rt[(event, partition)] = newest
        if reason is not None or validate(doc, self.schemas[event], now_ms=kafka_ts_ms):
            self.counters.dead_letters += 1
            return None
        if rt < newest - self.delay_ms:
            self.counters.late += 1
            return None
        ids = self.seen_ids[event]
        if doc["event_id"] in ids:
            self.counters.duplicates += 1
            return None
        ids.add(doc["event_id"])
        user_id = doc["user_id"]
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = UserState()
        if event == "clickstream":
            self._clickstream(user, doc)
        else:
            self._order(user, doc)
        return user_id

    def _clickstream(self, user: UserState, doc: dict) -> None:
        ts, kind = doc["ts"], doc["event_type"]
        views, clicks = int(kind in VIEWS), int(kind in CLICKS)
        carts, engagements = int(kind == "add_to_cart"), int(kind in ENGAGEMENTS)
        user.add(ts, [1, views, clicks, carts, engagements, 0, 0])
        user.events += 1
        user.views += views
        user.clicks += clicks
        user.carts += carts
        if kind == "product_view":
            user.priced_views += 1
            user.viewed_price_minor += to_reporting_minor(doc["price_minor"], doc["currency"], self.currency)
        context = f"{ts}|{doc.get('device') or ''}|{doc.get('country') or ''}"
        if user.context is None or context > user.context:
            user.context = context
        category = doc.get("category")
        if category is not None and kind in ("product_view", "add_to_cart"):
            self._signal(user, category, 1.0 if kind == "product_view" else 3.0, ts)

    def _order(self, user: UserState, doc: dict) -> None:
        ts, placed = doc["ts"], doc["event_type"] == "order_placed"
        spend, lines, currency = 0, doc.get("lines") or (), doc["currency"]
        if placed:
            self.placed_orders[doc["order_id"]] = (ts, currency, lines)
        elif doc["event_type"] == "order_cancelled" and not lines:  # the whole order, as the job does
            held = self.placed_orders.get(doc["order_id"])
            if held is not None and ts - self.order_lookback_ms <= held[0] <= ts:
                _, currency, lines = held
        for line in lines:
            amount = to_reporting_minor(line["unit_price_minor"] * line["qty"], currency, self.currency)
            spend += amount if placed else -amount
            if placed and line.get("category") is not None:
                self._signal(user, line["category"], 5.0 * line["qty"], ts)
        user.add(ts, [1, 0, 0, 0, 0, int(placed), spend])
        user.events += 1
        user.orders += int(placed)
        user.spend_minor += spend
        if placed:
            user.last_order_ms = ts if user.last_order_ms is None else max(user.last_order_ms, ts)

    def _signal(self, user: UserState, category: str, weight: float, ts: int) -> None:
        score = weight * 2.0 ** ((ts - self.epoch_ms) / self.half_life_ms)
        user.scores[category] = user.scores.get(category, 0.0) + score

    def size_bytes(self) -> int:
        """Size of the state pickled (what a checkpoint of it would hold)."""
        return len(pickle.dumps((self.max_rt, self.seen_ids, self.users), protocol=pickle.HIGHEST_PROTOCOL))


def write_users(pipe, state: ProfileState, user_ids, ttl_s: int) -> None:
    for user_id in user_ids:
        user = state.users[user_id]
        key = profile_key(user_id)
        pipe.hset(key, mapping=user.profile_fields())
        pipe.expire(key, ttl_s)
        if user.scores:
            scores_key = affinity_scores_key(user_id)
            pipe.hset(scores_key, mapping={c: repr(s) for c, s in user.scores.items()})
            pipe.expire(scores_key, ttl_s)


def run(settings: Settings, *, bounded: bool, stop: threading.Event, batch: int = 5000) -> dict:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

    from shopstream.broker import end_offsets, partitions_of
    from shopstream.serving.redis_client import connect

    bootstrap = settings.kafka.bootstrap_servers
    events = {settings.topics.clickstream: "clickstream", settings.topics.orders: "orders"}
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-python-peer-{time.time_ns()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 50,
                         "session.timeout.ms": settings.kafka.consumer_session_timeout_ms})
    tps = [TopicPartition(t, p, OFFSET_BEGINNING) for t in events for p in partitions_of(bootstrap, t)]
    ends = {(t, p): o for t in events for p, o in end_offsets(bootstrap, t).items()} if bounded else None
    consumer.assign(tps)
    redis_client = connect(settings, "writer")
    state = ProfileState(settings)
    position = {(tp.topic, tp.partition): 0 for tp in tps}
    report: dict = {"started_at": time.time(), "first_write_at": None}
    try:
        while not stop.is_set():
            if ends is not None and all(position[k] >= o for k, o in ends.items()):
                break
            touched: set[str] = set()
            for msg in consumer.consume(num_messages=batch, timeout=0.05):
                if msg.error():
                    if msg.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"reading {msg.topic()}: {msg.error()}")
                user = state.accept(events[msg.topic()], msg.partition(), msg.timestamp()[1], msg.value())
                if user is not None:
                    touched.add(user)
                position[(msg.topic(), msg.partition())] = msg.offset() + 1
            if touched:
                pipe = redis_client.pipeline(transaction=False)
                write_users(pipe, state, touched, settings.profiles.ttl_s)
                pipe.execute()
                if report["first_write_at"] is None:
                    report["first_write_at"] = time.time()
                consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in position.items() if o],
                                asynchronous=True)
    finally:
        consumer.close()
    report["finished_at"] = time.time()
    report.update({"records": state.counters.records, "dead_letters": state.counters.dead_letters,
                   "late": state.counters.late, "duplicates": state.counters.duplicates,
                   "users": len(state.users)})
    if bounded:
        report["state_bytes"] = state.size_bytes()
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peers.python_consumer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bounded", action="store_true", help="stop at the end offsets found at start")
    parser.add_argument("--report", type=Path, help="write figures of the run here (JSON)")
    parser.add_argument("--batch", type=int, default=5000, help="records per consume call (default 5000)")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    report = run(load_settings(), bounded=args.bounded, stop=stop, batch=args.batch)
    text = json.dumps(report, indent=2)
    if args.report:
        args.report.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
