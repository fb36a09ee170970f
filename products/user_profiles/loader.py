"""Apply the user-profile job's output topics to Redis (serving) and ClickHouse (analytics)."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import redis

from shopstream.loader.redis_writes import NewestPerGroup, VersionedHashWriter
from shopstream.products.user_profiles import derive
from shopstream.products.user_profiles.layout import (AFFINITY_PREFIX, WINDOW_METRICS, WINDOWS, affinity_scores_key,
                                        clickhouse_columns, profile_key, window_as_of_field, window_field)
from shopstream.products.user_profiles.serving import decode_profile
from shopstream.outputs import decoders
from shopstream.registry import product
from shopstream.settings import Settings

_LIFETIME_COLUMNS = {  # job column -> profile field
    "events": "events_total", "views": "views_total", "clicks": "clicks_total", "carts": "carts_total",
    "orders": "orders_total", "spend_minor": "spend_minor_total", "priced_views": "priced_views",
    "viewed_price_minor": "viewed_price_minor", "first_seen_ms": "first_seen_ms",
    "last_seen_ms": "last_seen_ms", "last_order_ms": "last_order_ms",
    "device": "device", "country": "country", "last_event_ms": "last_event_ms",
}


class ProfileApplier:
    """Writes profile field groups with version checks and re-derives touched profiles at once
    (serving); queues their ClickHouse rows until ``flush()`` (analytics)."""

    def __init__(self, settings: Settings, redis_client: redis.Redis, ch_client):
        self.settings = settings
        self.redis = redis_client
        self.ch = ch_client
        self.writer = VersionedHashWriter(redis_client)
        self.ttl = settings.profiles.ttl_s
        self.topics = settings.topics
        self._decode = decoders(settings, product("user_profiles").outputs)  # checks each row against its spec
        self.watermark_ms = 0
        self._history: list[list] = []
        self._profiles: dict[str, list] = {}  # newest export row per user since the last flush

    def topics_handled(self) -> list[str]:
        t = self.topics
        return [t.profile_windows, t.profile_lifetime, t.profile_affinity]

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int:
        """Apply (topic, key, value) records in order; returns the number of profiles exported."""
        pipe = self.redis.pipeline(transaction=False)
        batch = NewestPerGroup(self.writer)
        touched: set[str] = set()
        history: list[list] = []
        for topic, key, value in records:
            if value is None:
                continue  # upsert tombstone: profiles are never deleted by the job
            row = self._decode[topic](value)
            user = row["user_id"]
            touched.add(user)
            if topic == self.topics.profile_windows:
                self._queue_window(batch, row)
                history.extend(_history_rows(row))
            elif topic == self.topics.profile_lifetime:
                fields = {_LIFETIME_COLUMNS[c]: v for c, v in row.items() if c in _LIFETIME_COLUMNS}
                batch.add(profile_key(user), "as_of_ms_lifetime", row["as_of_ms"], self.ttl, fields)
            elif topic == self.topics.profile_affinity:
                batch.add(affinity_scores_key(user), f"_v.{row['category']}", row["as_of_ms"],
                          self.ttl, {row["category"]: repr(float(row["score"]))})
        batch.queue_all(pipe)
        pipe.execute()
        self._history.extend(history)
        if touched:
            self._derive_and_export(sorted(touched))
        return len(touched)

    def flush(self) -> None:
        """Insert the queued ClickHouse rows."""
        if self._history:
            self.ch.insert("user_profile_windows", self._history, column_names=_HISTORY_COLUMNS)
            self._history = []
        if self._profiles:
            self.ch.insert("user_profiles", list(self._profiles.values()),
                           column_names=[c for c, _ in clickhouse_columns()])
            self._profiles = {}

    def _queue_window(self, batch: NewestPerGroup, row: dict) -> None:
        """One wide row: every window as of ``as_of_ms``, one versioned field group (``as_of_ms_1h`` is its
        version; the other windows' ``as_of_ms_W`` carry the same value, as the serving layout says)."""
        as_of = int(row["as_of_ms"])
        self.watermark_ms = max(self.watermark_ms, as_of)
        fields = {window_field(m, w): row[window_field(m, w)] for w in WINDOWS for m in WINDOW_METRICS}
        fields.update({window_as_of_field(w): as_of for w in WINDOWS[1:]})
        batch.add(profile_key(row["user_id"]), window_as_of_field(WINDOWS[0]), as_of, self.ttl, fields)

    def _derive_and_export(self, users: list[str]) -> None:
        read = self.redis.pipeline(transaction=False)
        for u in users:
            read.hgetall(profile_key(u))
            read.hgetall(affinity_scores_key(u))
        replies = read.execute()
        now_ms = int(time.time() * 1000)
        write = self.redis.pipeline(transaction=False)
        for i, user in enumerate(users):
            stored, raw_scores = replies[2 * i], replies[2 * i + 1]
            scores = {c: float(s) for c, s in raw_scores.items() if not c.startswith("_v.")}
            profile = decode_profile(stored)
            derived = derive_fields(profile, scores)
            derived.update({"_job_version": self.settings.job_version, "_watermark_ms": self.watermark_ms,
                            "_loaded_at_ms": now_ms})
            stale = [f for f in stored if f.startswith(AFFINITY_PREFIX)
                     and f[len(AFFINITY_PREFIX):] not in derived["_affinity"]]
            mapping = {k: v for k, v in derived.items() if not k.startswith("_affinity")}
            mapping.update({AFFINITY_PREFIX + c: repr(s) for c, s in derived["_affinity"].items()})
            mapping = {k: (json.dumps(v) if isinstance(v, list) else ("" if v is None else v))
                       for k, v in mapping.items()}
            key = profile_key(user)
            if stale:
                write.hdel(key, *stale)
            write.hset(key, mapping=mapping)
            write.expire(key, self.ttl)
            self._profiles[user] = clickhouse_row(user, {**profile, **derived}, now_ms)
        write.execute()


def derive_fields(profile: dict, scores: dict[str, float]) -> dict:
    """Derived profile fields (and the affinity shares under ``_affinity``) from stored values."""
    avg = derive.avg_viewed_price(int(profile.get("priced_views", 0)), int(profile.get("viewed_price_minor", 0)))
    as_of = max([int(profile.get(window_as_of_field(w), 0)) for w in WINDOWS]
                + [int(profile.get("last_seen_ms", 0) or 0)])
    return {
        "avg_viewed_price_minor": avg,
        "price_band": derive.price_band(avg),
        "segment": derive.segment(profile),
        "tags": derive.tags(profile),
        "top_categories": derive.top_categories(scores),
        "_as_of_ms": as_of,
        "_affinity": derive.affinity_shares(scores),
    }


def clickhouse_row(user_id: str, p: dict, now_ms: int) -> list:
    out = []
    for name, ctype in clickhouse_columns():
        if name == "user_id":
            out.append(user_id)
        elif name == "category_affinity":
            out.append(p.get("_affinity", {}))
        elif name in ("tags", "top_categories"):
            out.append(list(p.get(name) or []))
        elif name == "as_of_ms":
            out.append(int(p.get("_as_of_ms", 0)))
        elif name == "job_version":
            out.append(str(p.get("_job_version", "")))
        elif name == "watermark_ms":
            out.append(int(p.get("_watermark_ms", 0)))
        elif name == "loaded_at":
            out.append(datetime.fromtimestamp(now_ms / 1000, tz=timezone.utc))
        elif ctype.startswith("Int"):
            v = p.get(name)
            out.append(int(v) if v not in (None, "") else 0)
        else:
            out.append(str(p.get(name) or ""))
    return out


_HISTORY_COLUMNS = ["user_id", "window_name", "as_of_ms", *WINDOW_METRICS]


def _history_rows(row: dict) -> list[list]:
    """ClickHouse ``user_profile_windows`` rows of one wide row: one per window."""
    return [[row["user_id"], w, int(row["as_of_ms"]), *[int(row[window_field(m, w)]) for m in WINDOW_METRICS]]
            for w in WINDOWS]
