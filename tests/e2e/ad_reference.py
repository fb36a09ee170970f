"""An independent batch computation of the ad-CTR job from the staged events (tests/e2e/reference.py
``accept``): the click-impression join, orphans, last-click conversions, the user segment as of each
fact, minute tiles, sliding windows, spend today, and the serving values the loader must end with.

It shares with the job only the contract, the reference data (bids, budgets, placements), the FX
conversion and the pure math of shopstream.ads (smoothing and pacing formulas, checked against hand
computations in tests/unit/test_ads_math.py) and of the segment rule (shopstream.products.user_profiles.derive).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from shopstream.products.ad_features import layout
from shopstream.products.ad_features.features import Chain, pacing_fields, smoothed_fields, strengths
from shopstream.products.ad_features.reference import load_campaigns
from shopstream.contract.reference import to_reporting_minor
from shopstream.products.user_profiles import derive
from shopstream.products.ad_features.settings import AdSettings
from tests.e2e.reference import line_amount, order_line_effects

MINUTE = 60_000
DAY = 86_400_000
WINDOW_MS = {"5m": 5 * MINUTE, "1h": 60 * MINUTE, "24h": DAY}
METRICS = layout.METRICS


@dataclass
class AdExpected:
    window_rows: set = field(default_factory=set)       # (level, entity, window, as_of_ms, *metrics)
    performance_rows: set = field(default_factory=set)  # (minute_ms, ad, campaign, placement, segment, country, device, *metrics)
    spend_rows: set = field(default_factory=set)        # (campaign, day_start_ms, as_of_ms, spend_today, clicks_today)
    redis: dict = field(default_factory=dict)           # key -> {field: str value}
    orphan_clicks: int = 0
    conversions: int = 0


def _segment_timeline(accepted, currency_out: str) -> dict[str, list[tuple[int, str]]]:
    """user -> [(valid_from_ms, segment)] ascending: one version per active user-minute."""
    tiles: dict[str, dict[int, dict]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))

    def tile(user, ts):
        t = tiles[user][ts // MINUTE]
        t["first"] = ts if "first" not in t else min(t["first"], ts)
        t["last"] = ts if "last" not in t else max(t["last"], ts)
        return t

    for e in accepted["clickstream"]:
        t = tile(e["user_id"], e["ts"])
        t["carts"] += int(e["event_type"] == "add_to_cart")
    for o in accepted["orders"]:
        t = tile(o["user_id"], o["ts"])
        t["orders"] += int(o["event_type"] == "order_placed")
    for o, line, sign in order_line_effects(accepted["orders"]):
        tile(o["user_id"], o["ts"])["spend"] += sign * line_amount(o, line, currency_out)
    out: dict[str, list[tuple[int, str]]] = {}
    for user, by_minute in tiles.items():
        minutes = sorted(by_minute)
        versions = []
        orders_total, first, last = 0, None, None
        for m in minutes:
            t = by_minute[m]
            orders_total += t["orders"]
            first = t["first"] if first is None else min(first, t["first"])
            last = t["last"] if last is None else max(last, t["last"])
            lo = m - 30 * 1440 + 1
            w = [by_minute[k] for k in minutes if lo <= k <= m]
            p = {"orders_total": orders_total, "first_seen_ms": first, "last_seen_ms": last,
                 "orders_30d": sum(x["orders"] for x in w), "carts_30d": sum(x["carts"] for x in w),
                 "spend_minor_30d": sum(x["spend"] for x in w)}
            versions.append(((m + 1) * MINUTE - 1, derive.segment(p)))
        out[user] = versions
    return out


def _segment_at(timeline: list[tuple[int, str]] | None, ts: int) -> str:
    seg = "new"
    for valid_from, s in timeline or []:
        if valid_from <= ts:
            seg = s
        else:
            break
    return seg


def compute_ads(accepted, *, settings_ads: AdSettings, currency_out: str) -> AdExpected:
    a = settings_ads
    out = AdExpected()
    campaigns = load_campaigns()
    bid = {ad.ad_id: ad.bid_minor for c in campaigns.values() for ad in c.ads}
    clicks_docs = [e for e in accepted["clickstream"] if e["event_type"] == "ad_click"]
    impressions = [e for e in accepted["clickstream"] if e["event_type"] == "ad_impression"]
    imp_ts = defaultdict(list)
    for i in impressions:
        imp_ts[i["impression_id"]].append(i["ts"])

    facts = []  # (user, ad, campaign, placement, device, country, ts, metrics dict)

    def fact(d, ts, **m):
        facts.append((d["user_id"], d["ad_id"], d["campaign_id"], d["placement"], d["device"], d["country"], ts, m))

    for i in impressions:
        fact(i, i["ts"], impressions=1)
    user_clicks = defaultdict(list)
    for c in clicks_docs:
        matches = sum(1 for t in imp_ts.get(c["impression_id"], [])
                      if c["ts"] - a.click_join_lookback_ms <= t <= c["ts"] + a.click_join_lookahead_ms)
        if matches == 0:
            out.orphan_clicks += 1
            fact(c, c["ts"], orphan_clicks=1)
        for _ in range(matches):
            fact(c, c["ts"], clicks=1, spend_minor=bid.get(c["ad_id"], 0))
            ref = "|".join([str(c["ts"]), c["ad_id"], c["campaign_id"], c["placement"], c["device"], c["country"]])
            user_clicks[c["user_id"]].append((c["ts"], ref))
    for o in accepted["orders"]:
        if o["event_type"] != "order_placed":
            continue
        refs = [ref for ts, ref in user_clicks.get(o["user_id"], [])
                if o["ts"] - a.conversion_window_ms <= ts <= o["ts"]]
        if not refs:
            continue
        _, ad_id, campaign_id, placement, device, country = max(refs).split("|")
        revenue = sum(to_reporting_minor(line["unit_price_minor"] * line["qty"], o["currency"], currency_out)
                      for line in o.get("lines") or [])
        out.conversions += 1
        fact({"user_id": o["user_id"], "ad_id": ad_id, "campaign_id": campaign_id, "placement": placement,
              "device": device, "country": country}, o["ts"], conversions=1, revenue_minor=revenue)

    timeline = _segment_timeline(accepted, currency_out)
    tiles = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))   # (level, entity) -> minute -> metric
    perf = defaultdict(lambda: defaultdict(int))
    for user, ad_id, campaign_id, placement, device, country, ts, m in facts:
        minute = ts // MINUTE
        segment = _segment_at(timeline.get(user), ts)
        for level, entity in (("ad", ad_id), ("campaign", campaign_id), ("placement", placement),
                              ("ad_segment", f"{ad_id}|{segment}")):
            t = tiles[(level, entity)][minute]
            t["_active"] = 1
            for k, v in m.items():
                t[k] += v
        p = perf[(minute * MINUTE, ad_id, campaign_id, placement, segment, country, device)]
        for k, v in m.items():
            p[k] += v
    for key, p in perf.items():
        out.performance_rows.add((*key, *(p.get(k, 0) for k in METRICS)))

    last_counts: dict[tuple[str, str], dict] = {}
    for (level, entity), by_minute in tiles.items():
        minutes = sorted(by_minute)
        for m in minutes:
            as_of = (m + 1) * MINUTE
            for w, span in WINDOW_MS.items():
                lo = as_of - span
                sums = [sum(by_minute[k].get(metric, 0) for k in minutes if lo <= k * MINUTE < as_of) for metric in METRICS]
                out.window_rows.add((level, entity, w, as_of, *sums))
                if m == minutes[-1]:
                    last_counts.setdefault((level, entity), {})[w] = (as_of, dict(zip(METRICS, sums)))
        if level == "campaign":
            spend = clicks = 0
            day = None
            for m in minutes:
                d = (m * MINUTE) - (m * MINUTE) % DAY
                if d != day:
                    day, spend, clicks = d, 0, 0
                spend += by_minute[m].get("spend_minor", 0)
                clicks += by_minute[m].get("clicks", 0)
                out.spend_rows.add((entity, d, (m + 1) * MINUTE, spend, clicks))

    # serving values -------------------------------------------------------------------------------------
    for (level, entity), per_window in last_counts.items():
        fields = {}
        for w, (as_of, sums) in per_window.items():
            fields[layout.as_of_field(w)] = str(as_of)
            fields.update({layout.window_field(k, w): str(v) for k, v in sums.items()})
        out.redis[layout.entity_key(level, entity)] = fields
    s = strengths(a)
    campaign_of_ad = {ad.ad_id: c for c in campaigns.values() for ad in c.ads}
    for (level, entity) in last_counts:
        if level == "placement":
            chain_keys, base = [("placement", entity)], a.base_ctr(entity)
        elif level == "campaign":
            c = campaigns.get(entity)
            chain_keys, base = ([("placement", c.placement), ("campaign", entity)], a.base_ctr(c.placement)) if c else ([], None)
        else:
            ad_id = entity.partition("|")[0]
            c = campaign_of_ad.get(ad_id)
            if c is None:
                continue
            chain_keys = [("placement", c.placement), ("campaign", c.campaign_id), ("ad", ad_id)]
            if level == "ad_segment":
                chain_keys.append(("ad_segment", entity))
            base = a.base_ctr(c.placement)
        if base is None or not chain_keys:
            continue
        keys = tuple(layout.entity_key(lv, e) for lv, e in chain_keys)
        chain = Chain(keys, base, s[:len(keys)])
        for w in WINDOW_MS:
            counts = [out.redis.get(k, {}) for k in keys]
            values = smoothed_fields(counts, chain, w, a.credible_level)
            out.redis[keys[-1]].update(values[-1])
    for campaign_id in {e for lv, e in tiles if lv == "campaign"}:
        last = max((r for r in out.spend_rows if r[0] == campaign_id), key=lambda r: r[2])
        _, day, as_of, spend, clicks = last
        fields = pacing_fields(campaigns.get(campaign_id), day, as_of, spend, clicks, a)
        out.redis[layout.pacing_key(campaign_id)] = {"as_of_ms": str(as_of), **{k: str(v) for k, v in fields.items()}}
    return out
