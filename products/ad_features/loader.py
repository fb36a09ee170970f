"""Apply the ad job's output topics: window counts and pacing to Redis, minute rows to ClickHouse.

Window counts are versioned per (entity, window) by ``as_of_ms`` (write if not older), so replays and
out-of-order rows never move a value back. After each batch the smoothed CTR of every entity whose
chain (placement -> campaign -> ad -> ad x segment) was touched is recomputed from the stored counts,
so the final values depend only on the final counts. Minute rows go to ClickHouse through
``insert_absent``: a replayed row is never inserted twice, which keeps the hourly and daily
materialized views exact.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import redis

from shopstream.products.ad_features import layout
from shopstream.products.ad_features.features import Chain, pacing_fields, smoothed_fields, strengths
from shopstream.products.ad_features.reference import CampaignRef, load_campaigns
from shopstream.clickhouse.append_once import insert_absent
from shopstream.loader.redis_writes import NewestPerGroup, VersionedHashWriter
from shopstream.outputs import decoders
from shopstream.registry import product
from shopstream.settings import Settings

log = logging.getLogger(__name__)

PERFORMANCE_COLUMNS = ("minute", "ad_id", "campaign_id", "placement", "segment", "country", "device",
                       "impressions", "clicks", "orphan_clicks", "conversions", "revenue_minor", "spend_minor")
PERFORMANCE_KEY = ("campaign_id", "ad_id", "placement", "segment", "country", "device", "minute")


class AdApplier:
    def __init__(self, settings: Settings, redis_client: redis.Redis, ch_client):
        self.settings = settings
        self.a = settings.ads
        self.redis = redis_client
        self.ch = ch_client
        self.writer = VersionedHashWriter(redis_client)
        self.topics = settings.topics
        self._decode = decoders(settings, product("ad_features").outputs)  # checks each row against its spec
        self.campaigns: dict[str, CampaignRef] = load_campaigns()
        self.campaign_of_ad = {ad.ad_id: c for c in self.campaigns.values() for ad in c.ads}
        self.unknown: set[str] = set()
        self._minute_rows: list[tuple] = []

    def topics_handled(self) -> list[str]:
        t = self.topics
        return [t.ad_windows, t.ad_performance, t.campaign_spend]

    def apply(self, records: list[tuple[str, bytes | None, bytes | None]]) -> int:
        pipe = self.redis.pipeline(transaction=False)
        batch = NewestPerGroup(self.writer)
        touched: set[tuple[str, str]] = set()
        minute_rows: list[tuple] = []
        for topic, _key, value in records:
            if value is None:
                continue
            row = self._decode[topic](value)
            if topic == self.topics.ad_windows:
                self._queue_window(pipe, batch, row)
                touched.add((row["level"], row["entity"]))
            elif topic == self.topics.ad_performance:
                minute_rows.append(_performance_row(row))
            elif topic == self.topics.campaign_spend:
                self._queue_pacing(batch, row)
        batch.queue_all(pipe)
        pipe.execute()
        self._minute_rows.extend(minute_rows)
        if touched:
            self._resmooth(touched)
        return len(records)

    def flush(self) -> None:
        """Insert the queued performance minute rows (each at most once, see the module docstring)."""
        if self._minute_rows:
            insert_absent(self.ch, "ad_performance_minute", PERFORMANCE_COLUMNS, self._minute_rows, PERFORMANCE_KEY)
            self._minute_rows = []

    # window counts and pacing ---------------------------------------------------------------------
    def _queue_window(self, pipe, batch: NewestPerGroup, row: dict) -> None:
        w = row["window_name"]
        key = layout.entity_key(row["level"], row["entity"])
        fields = {layout.window_field(m, w): row[m] for m in layout.METRICS}
        batch.add(key, layout.as_of_field(w), row["as_of_ms"], self.a.ttl_s, fields)
        if row["level"] == "ad_segment":
            ad_id, _, segment = row["entity"].partition("|")
            pipe.sadd(layout.segments_index_key(ad_id), segment)
            pipe.expire(layout.segments_index_key(ad_id), self.a.ttl_s)

    def _queue_pacing(self, batch: NewestPerGroup, row: dict) -> None:
        campaign = self.campaigns.get(row["campaign_id"])
        fields = pacing_fields(campaign, int(row["day_start_ms"]), int(row["as_of_ms"]),
                               int(row["spend_today_minor"]), int(row["clicks_today"]), self.a)
        batch.add(layout.pacing_key(row["campaign_id"]), "as_of_ms", row["as_of_ms"], self.a.ttl_s, fields)

    # smoothed CTR -----------------------------------------------------------------------------------
    def _resmooth(self, touched: set[tuple[str, str]]) -> None:
        chains = self._affected_chains(touched)
        if not chains:
            return
        keys = sorted({k for chain in chains for k in chain.keys})
        wanted = [layout.window_field(m, w) for w in layout.WINDOWS for m in ("impressions", "clicks")] + \
                 [layout.as_of_field(w) for w in layout.WINDOWS]
        pipe = self.redis.pipeline(transaction=False)
        for k in keys:
            pipe.hmget(k, wanted)
        stored = {k: dict(zip(wanted, values)) for k, values in zip(keys, pipe.execute())}
        pipe = self.redis.pipeline(transaction=False)
        done: set[str] = set()
        for chain in chains:
            for w in layout.WINDOWS:
                counts = [stored[k] for k in chain.keys]
                values = smoothed_fields(counts, chain, w, self.a.credible_level)
                for k, c, fields in zip(chain.keys, counts, values):
                    if c.get(layout.as_of_field(w)) is None or (k, w) in done:
                        continue  # no counts for this window: the entity has no estimate of its own yet
                    done.add((k, w))
                    pipe.hset(k, mapping=fields)
        pipe.execute()

    def _affected_chains(self, touched: set[tuple[str, str]]) -> list[Chain]:
        """Every chain (top first) that ends at an entity whose own counts or an ancestor's changed."""
        ads: set[str] = set()
        campaigns: set[str] = set()
        placements: set[str] = set()
        ad_segments: set[tuple[str, str]] = set()
        for level, entity in touched:
            if level == "placement":
                placements.add(entity)
            elif level == "campaign":
                campaigns.add(entity)
            elif level == "ad":
                ads.add(entity)
            elif level == "ad_segment":
                ad_id, _, segment = entity.partition("|")
                ad_segments.add((ad_id, segment))
        for c in self.campaigns.values():
            if c.placement in placements:
                campaigns.add(c.campaign_id)
        for cid in campaigns:
            if cid in self.campaigns:
                ads.update(ad.ad_id for ad in self.campaigns[cid].ads)
        pipe = self.redis.pipeline(transaction=False)
        ad_list = sorted(ads)
        for ad_id in ad_list:
            pipe.smembers(layout.segments_index_key(ad_id))
        for ad_id, members in zip(ad_list, pipe.execute()):
            ad_segments.update((ad_id, m.decode() if isinstance(m, bytes) else m) for m in members)

        chains: list[Chain] = []
        s = strengths(self.a)
        for ad_id, segment in sorted(ad_segments):
            chain = self._chain(ad_id, segment)
            if chain:
                chains.append(chain)
        for ad_id in sorted(ads):  # ads without segment rows yet, and their ancestors
            chain = self._chain(ad_id, None)
            if chain:
                chains.append(chain)
        for cid in sorted(campaigns - {self.campaign_of_ad[a].campaign_id for a in ads if a in self.campaign_of_ad}):
            c = self.campaigns.get(cid)
            base = self.a.base_ctr(c.placement) if c else None
            if base is not None:
                chains.append(Chain((layout.entity_key("placement", c.placement), layout.entity_key("campaign", cid)),
                                    base, s[:2]))
        for p in sorted(placements):
            base = self.a.base_ctr(p)
            if base is not None:
                chains.append(Chain((layout.entity_key("placement", p),), base, s[:1]))
        return chains

    def _chain(self, ad_id: str, segment: str | None) -> Chain | None:
        c = self.campaign_of_ad.get(ad_id)
        base = self.a.base_ctr(c.placement) if c else None
        if c is None or base is None:
            if ad_id not in self.unknown:
                self.unknown.add(ad_id)
                log.warning("ad %s is not in schemas/reference/campaigns.yaml (or its placement has no base "
                            "CTR): its counts are served, its smoothed CTR is not", ad_id)
            return None
        keys = [layout.entity_key("placement", c.placement), layout.entity_key("campaign", c.campaign_id),
                layout.entity_key("ad", ad_id)]
        if segment is not None:
            keys.append(layout.ad_segment_key(ad_id, segment))
        return Chain(tuple(keys), base, strengths(self.a)[:len(keys)])


def _performance_row(row: dict) -> tuple:
    minute = datetime.fromtimestamp(int(row["minute_ms"]) / 1000, tz=timezone.utc)
    return (minute, row["ad_id"], row["campaign_id"], row["placement"], row["segment"], row["country"],
            row["device"], row["impressions"], row["clicks"], row["orphan_clicks"], row["conversions"],
            row["revenue_minor"], row["spend_minor"])
