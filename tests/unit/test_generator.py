"""The generator: deterministic, valid where it says so, broken where it says so, plausibly shaped."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from shopstream.contract import load_contract, validate
from shopstream.contract.reference import REFERENCE_DIR, load_reference_yaml
from shopstream.generator import (
    GeneratedRecord,
    GenerationParams,
    build_reference,
    generate,
    produce_to_kafka,
    read_files,
    write_to_files,
)
from shopstream.generator.population import local_hour
from shopstream.generator.reference import reference_documents
from shopstream.settings import GeneratorSettings, TopicSettings

CONTRACT = load_contract()
BY_TOPIC = {s.topic_setting: s for s in CONTRACT.values()}
PARAMS = GenerationParams(events=40_000, bad_share=0.05, late_share=0.03, duplicate_share=0.02)


@pytest.fixture(scope="module")
def records() -> list[GeneratedRecord]:
    return list(generate(PARAMS))


@pytest.fixture(scope="module")
def events(records: list[GeneratedRecord]) -> list[dict[str, Any]]:
    """Valid and late events (each once), with their topic, sorted by event time."""
    out = [dict(json.loads(r.value), _topic=r.topic_setting, _arrival=r.ts_ms)
           for r in records if r.kind in ("valid", "late")]
    return sorted(out, key=lambda d: d["ts"])


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    small = GenerationParams(events=3000, bad_share=0.05, late_share=0.05, duplicate_share=0.05)
    first = list(generate(small))
    assert first == list(generate(small))
    other = list(generate(GenerationParams(seed=7, events=3000, bad_share=0.05, late_share=0.05,
                                           duplicate_share=0.05)))
    assert [r.value for r in first] != [r.value for r in other]


def test_every_record_validates_as_its_kind_says(records: list[GeneratedRecord]) -> None:
    wrong = []
    for r in records:
        reasons = validate(r.value, BY_TOPIC[r.topic_setting], now_ms=r.ts_ms)
        first = reasons[0] if reasons else None
        if r.kind == "bad":
            if first is None or first != r.expected_reason:
                wrong.append((r.expected_reason, first, r.value[:120]))
        elif first is not None or r.expected_reason is not None:
            wrong.append((r.kind, first, r.value[:120]))
    assert not wrong, wrong[:5]
    bad_kinds = Counter(r.expected_reason.split(":")[0] for r in records if r.kind == "bad")
    assert set(bad_kinds) == {"malformed_json", "not_an_object", "missing_field", "wrong_type", "below_min",
                              "far_future_ts", "not_in_enum", "unknown_currency"}


def test_shares_are_as_requested(records: list[GeneratedRecord]) -> None:
    kinds = Counter(r.kind for r in records)
    assert abs(len(records) - PARAMS.events) <= 1
    assert kinds["bad"] == round(PARAMS.events * PARAMS.bad_share)
    assert kinds["duplicate"] == round(PARAMS.events * PARAMS.duplicate_share)
    late_share = kinds["late"] / (kinds["late"] + kinds["valid"])
    assert abs(late_share - PARAMS.late_share) < 0.005
    topics = Counter(r.topic_setting for r in records)
    assert topics["clickstream"] > 0.85 * len(records) and topics["orders"] > 0.01 * len(records)
    assert topics["content"] > 50


def test_arrival_times_lateness_and_duplicates(records: list[GeneratedRecord]) -> None:
    arrivals = [r.ts_ms for r in records]
    assert arrivals == sorted(arrivals), "Kafka timestamps must never decrease"
    low, high = PARAMS.late_delay_ms
    out_of_order = 0
    max_event_ts_seen = 0
    seen_values: set[bytes] = set()
    for r in records:
        if r.kind == "duplicate":
            assert r.value in seen_values, "a duplicate re-sends an earlier record"
            continue
        if r.kind == "bad":
            continue
        seen_values.add(r.value)
        ts = json.loads(r.value)["ts"]
        delay = r.ts_ms - ts
        if r.kind == "late":
            assert low <= delay <= high
            assert ts < max_event_ts_seen, "a late event arrives after later events"
        else:
            assert 0 <= delay <= PARAMS.jitter_max_ms
            out_of_order += ts < max_event_ts_seen
        max_event_ts_seen = max(max_event_ts_seen, ts)
    assert out_of_order > 100, "some events are mildly out of order"


def test_keys_are_the_schema_keys(records: list[GeneratedRecord]) -> None:
    for r in records:
        if r.kind in ("valid", "late", "duplicate"):
            doc = json.loads(r.value)
            assert r.key.decode() == doc[BY_TOPIC[r.topic_setting].key]


def test_funnel_order_per_user(events: list[dict[str, Any]]) -> None:
    viewed: dict[tuple[str, str], int] = {}
    carted: dict[tuple[str, str], int] = {}
    orders = 0
    for e in events:
        user = e["user_id"] if "user_id" in e else None
        kind = e.get("event_type")
        if kind == "product_view":
            viewed.setdefault((e["session_id"], e["product_id"]), e["ts"])
        elif kind == "add_to_cart":
            assert (e["session_id"], e["product_id"]) in viewed, "cart without a view in the session"
            carted.setdefault((user, e["product_id"]), e["ts"])
        elif kind == "order_placed" and e["channel"] != "store":
            orders += 1
            for line in e["lines"]:
                assert carted.get((user, line["product_id"]), e["ts"] + 1) <= e["ts"], "order without a cart"
    assert orders > 300


def test_order_lifecycle(events: list[dict[str, Any]]) -> None:
    placed: dict[str, dict[str, Any]] = {}
    follow_ups = Counter()
    for e in (e for e in events if e["_topic"] == "orders"):
        if e["event_type"] == "order_placed":
            placed[e["order_id"]] = e
            continue
        original = placed[e["order_id"]]
        assert original["ts"] < e["ts"] and original["user_id"] == e["user_id"]
        qty = {line["line_id"]: line["qty"] for line in original["lines"]}
        for line in e["lines"]:
            assert 1 <= line["qty"] <= qty[line["line_id"]]
        follow_ups[e["event_type"]] += 1
        if e["event_type"] == "order_returned":
            assert e["lines"]
    assert follow_ups["order_cancelled"] > 10 and follow_ups["order_returned"] > 5
    assert any(not e["lines"] for e in events if e.get("event_type") == "order_cancelled")
    assert len({e["currency"] for e in placed.values()}) >= 6
    assert {e["channel"] for e in placed.values()} == {"web", "app", "store"}


def test_fraud_like_patterns(events: list[dict[str, Any]]) -> None:
    placed = [e for e in events if e.get("event_type") == "order_placed"]
    users_per_card = defaultdict(set)
    for e in placed:
        users_per_card[e["payment_fingerprint"]].add(e["user_id"])
    assert max(len(users) for users in users_per_card.values()) >= 8
    by_user = defaultdict(list)
    for e in placed:
        by_user[e["user_id"]].append(e["ts"])
    bursts = [u for u, ts in by_user.items()
              if any(ts[i + 4] - ts[i] <= 10 * 60_000 for i in range(len(ts) - 4))]
    assert bursts, "some account places five orders within ten minutes"


def test_ads_clicks_carry_their_impression_and_ctr_depends_on_placement(events: list[dict[str, Any]]) -> None:
    placement_of = {c["campaign_id"]: c["placement"] for c in load_reference_yaml("campaigns")["items"]}
    impressions = {}
    shown, clicked = Counter(), Counter()
    orphans = 0
    for e in events:
        if e.get("event_type") in ("ad_impression", "ad_click"):
            assert placement_of[e["campaign_id"]] == e["placement"], "a campaign runs in one placement"
        if e.get("event_type") == "ad_impression":
            impressions[e["impression_id"]] = e
            shown[e["placement"]] += 1
        elif e.get("event_type") == "ad_click":
            if e["impression_id"] not in impressions:
                orphans += 1
                continue
            imp = impressions[e["impression_id"]]
            assert (imp["ad_id"], imp["user_id"], imp["placement"]) == (e["ad_id"], e["user_id"], e["placement"])
            assert imp["ts"] < e["ts"]
            clicked[e["placement"]] += 1
    ctr = {p: clicked[p] / shown[p] for p in shown}
    assert ctr["search"] > ctr["feed"] > ctr["sidebar"]
    assert 0.005 < sum(clicked.values()) / sum(shown.values()) < 0.03
    assert orphans <= 0.1 * (sum(clicked.values()) + orphans)


def test_orphan_click_share_loses_impressions_of_clicks() -> None:
    params = GenerationParams(events=20_000, orphan_click_share=0.5)
    docs = [json.loads(r.value) for r in generate(params) if r.topic_setting == "clickstream"]
    impressions = {d["impression_id"] for d in docs if d["event_type"] == "ad_impression"}
    clicks = [d for d in docs if d["event_type"] == "ad_click"]
    orphans = sum(1 for d in clicks if d["impression_id"] not in impressions)
    assert clicks and 0.3 < orphans / len(clicks) < 0.7


def test_affiliate_clicks_lead_to_later_orders_sometimes() -> None:
    records = list(generate(GenerationParams(events=60_000, days=6.0)))
    docs = sorted((json.loads(r.value) for r in records), key=lambda d: d["ts"])
    links = {link.link_id: link.product_id
             for a in build_reference(42, 500).affiliates for link in a.links}
    clicked: dict[tuple[str, str], int] = {}
    later = 0
    for d in docs:
        if d.get("event_type") == "affiliate_click":
            clicked.setdefault((d["user_id"], links[d["link_id"]]), d["ts"])
        elif d.get("event_type") == "order_placed":
            later += any(d["ts"] - clicked.get((d["user_id"], line["product_id"]), d["ts"]) > 12 * 3_600_000
                         for line in d["lines"])
    assert later >= 3


def test_popularity_content_and_daily_rhythm(events: list[dict[str, Any]]) -> None:
    views = Counter(e["product_id"] for e in events if e.get("event_type") == "product_view")
    top = sum(n for _, n in views.most_common(len(views) // 10))
    assert top > 0.35 * sum(views.values()), "a tenth of the products gets a large share of the views"
    created = {e["content_id"]: e["created_ts"] for e in events if e["_topic"] == "content"}
    content_views = [e for e in events if e.get("event_type") == "content_view"]
    assert content_views and all(created[e["content_id"]] <= e["ts"] for e in content_views)
    offsets = {"US": -300, "DE": 60}
    by_hour = Counter(local_hour(e["ts"], offsets[e["country"]]) for e in events
                      if e.get("event_type") == "page_view" and e["country"] in offsets)
    evening = sum(by_hour[h] for h in (18, 19, 20, 21))
    night = sum(by_hour[h] for h in (2, 3, 4, 5))
    assert evening > 4 * night


def test_files_round_trip(tmp_path: Path, records: list[GeneratedRecord]) -> None:
    sample = records[:5000]
    counts = write_to_files(sample, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.jsonl" for t in counts)
    assert list(read_files(tmp_path)) == sample


class _FakeProducer:
    def __init__(self, config: dict[str, Any], fail: bool = False) -> None:
        self.config, self.fail, self.sent, self._callbacks = config, fail, [], []

    def produce(self, topic: str, value: bytes, key: bytes, timestamp: int, on_delivery: Any) -> None:
        self.sent.append((topic, key, value, timestamp))
        self._callbacks.append(on_delivery)

    def poll(self, timeout: float) -> int:
        return 0

    def flush(self, timeout: float) -> int:
        for cb in self._callbacks:
            cb("broker down" if self.fail else None, None)
        return 0


def test_produce_to_kafka_sends_in_order_with_arrival_timestamps(records: list[GeneratedRecord]) -> None:
    sample = records[:2000]
    made: list[_FakeProducer] = []
    topics = TopicSettings(clickstream="t.click", orders="t.orders", content="t.content")
    progress: list[int] = []
    counts = produce_to_kafka(sample, "broker:9092", topics, progress=progress.append, progress_every=500,
                              producer_factory=lambda c: made.append(_FakeProducer(c)) or made[-1])
    producer = made[0]
    assert producer.config["bootstrap.servers"] == "broker:9092" and producer.config["linger.ms"] > 0
    names = {"clickstream": "t.click", "orders": "t.orders", "content": "t.content"}
    assert producer.sent == [(names[r.topic_setting], r.key, r.value, r.ts_ms) for r in sample]
    assert sum(counts.values()) == len(sample) and progress[-1] == len(sample)
    with pytest.raises(RuntimeError, match="not delivered"):
        produce_to_kafka(sample[:10], "broker:9092", topics, producer_factory=lambda c: _FakeProducer(c, fail=True))


def test_params_checks_and_settings() -> None:
    with pytest.raises(ValueError, match="bad_share"):
        GenerationParams(bad_share=1.5)
    with pytest.raises(ValueError, match="late_delay_ms"):
        GenerationParams(late_delay_ms=(0, 10))
    params = GenerationParams.from_settings(GeneratorSettings(seed=3, users=50, products=40), events=100)
    assert (params.seed, params.users, params.products, params.events) == (3, 50, 40, 100)
    assert len(list(generate(params))) == 100


def test_committed_reference_files_match_the_generator() -> None:
    for name, doc in reference_documents(build_reference(42, 500)).items():
        committed = load_reference_yaml(name, REFERENCE_DIR)
        assert committed["generated_with"] == {"seed": 42, "products": 500}
        assert committed == json.loads(json.dumps(doc)), f"regenerate schemas/reference/{name}.yaml"
