"""An independent batch computation of the user-profile job, from the records as they sit in Kafka.

It shares only the contract (validation rules, FX reference data) and the documented derivation
rules with the job; every aggregation, the lateness rule, deduplication and windowing are redone
here in plain Python from the definitions in the README.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from shopstream.contract import DEFAULT_MAX_FUTURE_MS, load_contract
from shopstream.contract.reference import to_reporting_minor
from shopstream.contract.validate import validate
from shopstream.products.user_profiles import derive
from shopstream.products.user_profiles.layout import WINDOW_METRICS, WINDOWS

MINUTE = 60_000
WINDOW_MS = {"1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000}
VIEW_TYPES = {"page_view", "product_view", "content_view"}
CLICK_TYPES = {"ad_click", "affiliate_click"}
ENGAGEMENT_TYPES = {"like", "comment", "share"}
ORDER_LOOKBACK_MS = 35 * 86_400_000  # events.order_lookback_ms


def order_line_effects(orders: list[dict], lookback_ms: int = ORDER_LOOKBACK_MS):
    """``(order event, line, sign)`` for every line an accepted order event adds (+1, placed) or takes
    back (-1, cancelled or returned). A cancellation without lines stands for every line of its order as
    placed (the contract): the accepted order_placed of that order_id with the latest event time at or
    before the cancellation's, if that is at most ``lookback_ms`` before it (an order id seen twice keeps
    its versions apart by event time)."""
    placed: dict[str, list[dict]] = defaultdict(list)
    for o in orders:
        if o["event_type"] == "order_placed":
            placed[o["order_id"]].append(o)
    for o in orders:
        sign = 1 if o["event_type"] == "order_placed" else -1
        lines = o.get("lines") or []
        if o["event_type"] == "order_cancelled" and not lines:
            before = [p for p in placed.get(o["order_id"], []) if p["ts"] <= o["ts"]]
            p = max(before, key=lambda x: x["ts"]) if before else None
            if p is not None and o["ts"] - lookback_ms <= p["ts"]:
                lines = [{**line, "_currency": p["currency"]} for line in p.get("lines") or []]
        for line in lines:
            yield o, line, sign


def line_amount(order: dict, line: dict, currency_out: str) -> int:
    """A line's amount in the reporting currency (the placed order's currency for a whole-order cancellation)."""
    return to_reporting_minor(line["unit_price_minor"] * line["qty"], line.get("_currency", order["currency"]),
                              currency_out)


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    value: bytes


@dataclass
class Expected:
    dead_letters: set = field(default_factory=set)      # (topic, partition, offset, reason)
    late_events: set = field(default_factory=set)       # (topic, partition, offset)
    profiles: dict = field(default_factory=dict)        # user -> expected field values
    window_rows: set = field(default_factory=set)       # (user, window, as_of_ms, *metrics)


def _sql_ts(value: bytes) -> int | None:
    """What try_cast(json_value(payload, '$.ts') as bigint) yields."""
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    ts = doc.get("ts")
    if isinstance(ts, bool):
        return None
    if isinstance(ts, int):
        return ts
    if isinstance(ts, str) and re.fullmatch(r"\s*-?\d+\s*", ts):
        return int(ts)
    return None


def event_time(rec: KafkaRecord) -> int:
    ts = _sql_ts(rec.value)
    if ts is not None and 0 < ts <= rec.timestamp_ms + DEFAULT_MAX_FUTURE_MS:
        return ts
    return rec.timestamp_ms


def accept(records: list[KafkaRecord], *, topics: dict[str, str], watermark_delay_ms: int,
           out: "Expected | None" = None) -> dict[str, list[dict]]:
    """Staging: valid, on-time, first copies of each event (by event type); dead letters and late
    events are added to ``out``. ``topics`` maps contract event names to topic names."""
    contract = load_contract()
    out = out if out is not None else Expected()
    accepted: dict[str, list[dict]] = {"clickstream": [], "orders": []}
    for event, topic in topics.items():
        schema = contract[event]
        seen_ids: set[str] = set()
        by_partition: dict[int, list[KafkaRecord]] = defaultdict(list)
        for r in records:
            if r.topic == topic:
                by_partition[r.partition].append(r)
        for partition, recs in by_partition.items():
            watermark = None
            for r in sorted(recs, key=lambda x: x.offset):
                rt = event_time(r)
                reasons = validate(r.value, schema, now_ms=r.timestamp_ms)
                if reasons:
                    out.dead_letters.add((topic, partition, r.offset, reasons[0]))
                elif watermark is not None and rt < watermark:
                    out.late_events.add((topic, partition, r.offset))
                else:
                    doc = json.loads(r.value)
                    if doc["event_id"] not in seen_ids:
                        seen_ids.add(doc["event_id"])
                        accepted[event].append(doc)
                watermark = rt - watermark_delay_ms if watermark is None else max(watermark, rt - watermark_delay_ms)
    return accepted


def input_end_ms(records: list[KafkaRecord]) -> int:
    """Where a bounded run's event time stops: the end of the minute of the newest event time of any record."""
    newest = max(event_time(r) for r in records)
    return (newest // MINUTE + 1) * MINUTE


def compute(records: list[KafkaRecord], *, topics: dict[str, str], watermark_delay_ms: int,
            reporting_currency: str, affinity_epoch_ms: int, affinity_half_life_h: float,
            bounded: bool = True) -> Expected:
    """``topics`` maps contract event names (clickstream, orders) to topic names. ``bounded``: the values
    a bounded run over exactly ``records`` leaves (event time stops at ``input_end_ms``); else those of
    an input that ends with an infinite watermark (every tile slides out of every window)."""
    out = Expected()
    accepted = accept(records, topics=topics, watermark_delay_ms=watermark_delay_ms, out=out)
    until = input_end_ms(records) if bounded and records else None
    _profiles(accepted, out, reporting_currency, affinity_epoch_ms, affinity_half_life_h * 3_600_000, until)
    return out


def window_changes(minutes: list[int], until_ms: int | None) -> list[int]:
    """Minute ends (epoch ms) at which a window of a user with these active minutes changes: each tile's
    end (it closes), and the minute end after it leaves each window, up to ``until_ms``."""
    ends = {(m + 1) * MINUTE for m in minutes} | {m * MINUTE + WINDOW_MS[w] + MINUTE for m in minutes for w in WINDOWS}
    return sorted(e for e in ends if until_ms is None or e <= until_ms)


def _profiles(accepted, out: Expected, currency_out: str, epoch_ms: int, half_life_ms: float,
              until_ms: int | None) -> None:
    tiles: dict[str, dict[int, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    life: dict[str, dict] = defaultdict(lambda: {"first": None, "last": None, "last_order": None, "context": None})
    scores: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def touch(user: str, ts: int) -> dict[str, int]:
        lf = life[user]
        lf["first"] = ts if lf["first"] is None else min(lf["first"], ts)
        lf["last"] = ts if lf["last"] is None else max(lf["last"], ts)
        return tiles[user][ts // MINUTE]

    for e in accepted["clickstream"]:
        user, ts, kind = e["user_id"], e["ts"], e["event_type"]
        t = touch(user, ts)
        counts = {"events": 1, "views": int(kind in VIEW_TYPES), "clicks": int(kind in CLICK_TYPES),
                  "carts": int(kind == "add_to_cart"), "engagements": int(kind in ENGAGEMENT_TYPES)}
        for k, v in counts.items():
            t[k] += v
            totals[user][k] += v
        if kind == "product_view":
            totals[user]["priced_views"] += 1
            totals[user]["viewed_price_minor"] += to_reporting_minor(e["price_minor"], e["currency"], currency_out)
        ctx = f"{ts}|{e.get('device') or ''}|{e.get('country') or ''}"
        if life[user]["context"] is None or ctx > life[user]["context"]:
            life[user]["context"] = ctx
        if kind in ("product_view", "add_to_cart") and e.get("category") is not None:
            w = 1.0 if kind == "product_view" else 3.0
            scores[user][e["category"]] += w * 2.0 ** ((ts - epoch_ms) / half_life_ms)

    for o in accepted["orders"]:
        user, ts, kind = o["user_id"], o["ts"], o["event_type"]
        t = touch(user, ts)
        t["events"] += 1
        totals[user]["events"] += 1
        if kind == "order_placed":
            t["orders"] += 1
            totals[user]["orders"] += 1
            lo = life[user]["last_order"]
            life[user]["last_order"] = ts if lo is None else max(lo, ts)
    for o, line, sign in order_line_effects(accepted["orders"]):
        user, ts, kind = o["user_id"], o["ts"], o["event_type"]
        amount = sign * line_amount(o, line, currency_out)
        tiles[user][ts // MINUTE]["spend_minor"] += amount
        totals[user]["spend_minor"] += amount
        if kind == "order_placed" and line.get("category") is not None:
            scores[user][line["category"]] += 5.0 * line["qty"] * 2.0 ** ((ts - epoch_ms) / half_life_ms)

    for user, by_minute in tiles.items():
        minutes = sorted(by_minute)
        starts = [k * MINUTE for k in minutes]
        prefix = {metric: [0] for metric in WINDOW_METRICS}  # prefix[metric][i]: the sum of the first i tiles
        for k in minutes:
            for metric in WINDOW_METRICS:
                prefix[metric].append(prefix[metric][-1] + by_minute[k].get(metric, 0))

        def window(as_of: int, w: str) -> list[int]:
            """Sums over the tiles that start in [as_of - W, as_of)."""
            lo, hi = bisect_left(starts, as_of - WINDOW_MS[w]), bisect_left(starts, as_of)
            return [prefix[metric][hi] - prefix[metric][lo] for metric in WINDOW_METRICS]

        changes = window_changes(minutes, until_ms)
        for as_of in changes:
            for w in WINDOWS:
                out.window_rows.add((user, w, as_of, *window(as_of, w)))
        last_as_of = changes[-1]  # the values a serving read finds: as of the last change (= as of the end)
        p: dict = {}
        for w in WINDOWS:
            p.update(zip((f"{metric}_{w}" for metric in WINDOW_METRICS), window(last_as_of, w)))
            p[f"as_of_ms_{w}"] = last_as_of
        tot, lf = totals[user], life[user]
        p.update({"events_total": tot["events"], "views_total": tot["views"], "clicks_total": tot["clicks"],
                  "carts_total": tot["carts"], "orders_total": tot["orders"], "spend_minor_total": tot["spend_minor"],
                  "priced_views": tot["priced_views"], "viewed_price_minor": tot["viewed_price_minor"],
                  "first_seen_ms": lf["first"], "last_seen_ms": lf["last"], "last_order_ms": lf["last_order"],
                  "as_of_ms_lifetime": (minutes[-1] + 1) * MINUTE})
        if lf["context"] is not None:
            ts, device, country = lf["context"].split("|")
            p.update({"device": device, "country": country, "last_event_ms": int(ts)})
        else:
            p.update({"device": None, "country": None, "last_event_ms": None})
        avg = derive.avg_viewed_price(p["priced_views"], p["viewed_price_minor"])
        user_scores = dict(scores.get(user, {}))
        p.update({"avg_viewed_price_minor": avg, "price_band": derive.price_band(avg), "segment": derive.segment(p),
                  "tags": derive.tags(p), "top_categories": derive.top_categories(user_scores),
                  "category_affinity": derive.affinity_shares(user_scores)})
        out.profiles[user] = p
