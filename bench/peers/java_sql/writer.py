"""The Java peer's last write: profile field groups from its output topics to Redis, nothing else."""
from __future__ import annotations

import json

import redis

from bench.peers.layout import (
    affinity_scores_key,
    lifetime_group,
    profile_key,
    window_group,
)
from shopstream.loader.redis_writes import VersionedHashWriter
from shopstream.products.user_profiles.layout import WINDOW_METRICS, WINDOWS, window_field
from shopstream.settings import Settings


class ProfileRedisWriter:
    """Keeps, per key and field group, the newest row of a batch and writes it with a version check
    (rows of one user may arrive out of order across the topic's partitions); one pipeline per batch.
    No derived fields and no ClickHouse export, unlike shopstream's ProfileApplier."""

    def __init__(self, settings: Settings, redis_client: redis.Redis):
        self.redis = redis_client
        self.writer = VersionedHashWriter(redis_client)
        self.ttl = settings.profiles.ttl_s
        self.topics = settings.topics

    def topics_handled(self) -> list[str]:
        t = self.topics
        return [t.profile_windows, t.profile_lifetime, t.profile_affinity]

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int:
        newest: dict[tuple[str, str], tuple[int, dict]] = {}

        def keep(key: str, group: tuple[str, int, dict]) -> None:
            version_field, version, fields = group
            held = newest.get((key, version_field))
            if held is None or version >= held[0]:
                newest[(key, version_field)] = (version, fields)

        for topic, _key, value in records:
            if value is None:
                continue
            row = json.loads(value)
            user = row["user_id"]
            if topic == self.topics.profile_windows:
                for w in WINDOWS:  # one wide row: every window as of the same minute end
                    keep(profile_key(user), window_group(w, int(row["as_of_ms"]),
                                                         [row[window_field(m, w)] for m in WINDOW_METRICS]))
            elif topic == self.topics.profile_lifetime:
                keep(profile_key(user), lifetime_group(row))
            elif topic == self.topics.profile_affinity:
                keep(affinity_scores_key(user), (f"_v.{row['category']}", int(row["as_of_ms"]),
                                                 {row["category"]: repr(float(row["score"]))}))
        pipe = self.redis.pipeline(transaction=False)
        for (key, version_field), (version, fields) in newest.items():
            self.writer.queue(pipe, key, version_field, version, self.ttl, fields)
        pipe.execute()
        return len(newest)

    def flush(self) -> None:
        """Nothing is queued: this writer has no analytics side."""
