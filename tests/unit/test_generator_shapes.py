"""The realistic traffic shape: a large population over five weeks, heavy-tailed activity, shoppers who
join and leave, so that 7d and 30d windows slide past activity. (The default shape's output is fixed by
tests/unit/test_generator.py and tests that compare generated data with expectations.)"""
from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest

from shopstream.generator import GenerationParams, generate
from shopstream.generator.model import DAY_MS, SHAPES
from shopstream.generator.population import active_span, build_users
from shopstream.settings import load_settings

GENERATOR = load_settings(env={}).generator


@pytest.fixture(scope="module")
def params() -> GenerationParams:
    return GenerationParams.for_shape("realistic", GENERATOR, events=120_000)


@pytest.fixture(scope="module")
def events(params) -> list[dict]:
    """Valid clickstream and order events of the realistic shape, each with its user."""
    out = []
    for r in generate(params):
        if r.kind == "valid" and r.topic_setting in ("clickstream", "orders"):
            doc = json.loads(r.value)
            if "user_id" in doc:
                out.append(doc)
    return out


def test_the_realistic_shape_has_fifty_thousand_users_over_thirty_five_days_unless_told(params):
    assert (params.shape, params.users, params.days) == ("realistic", 50_000, 35.0)
    told = GenerationParams.for_shape("realistic", GENERATOR, users=60_000, days=40.0, events=10)
    assert (told.users, told.days) == (60_000, 40.0)
    default = GenerationParams.for_shape("default", GENERATOR, events=10)
    assert (default.shape, default.users, default.days) == ("default", GENERATOR.users, GENERATOR.days)
    assert set(SHAPES) == {"default", "realistic"}
    with pytest.raises(ValueError, match="shape must be one of"):
        GenerationParams(shape="spiky")


def test_the_population_is_fifty_thousand_distinct_shoppers_who_come_and_go(params):
    users = build_users(params)
    assert len({u.user_id for u in users}) == len(users) == 50_000
    spans = [active_span(u, params) for u in users]
    assert all(params.start_ms <= a < b <= params.end_ms for a, b in spans)
    joined = sum(a > params.start_ms for a, _ in spans) / len(spans)
    left = sum(b < params.end_ms for _, b in spans) / len(spans)
    assert 0.25 < joined < 0.35 and 0.25 < left < 0.35
    assert all(u.active_from_ms is None for u in build_users(GenerationParams(users=50)))  # default: always active


def test_events_span_the_thirty_five_days(params, events):
    ts = [e["ts"] for e in events]
    assert params.start_ms <= min(ts) < params.start_ms + DAY_MS
    assert params.end_ms - DAY_MS < max(ts) < params.end_ms
    by_week = Counter((t - params.start_ms) // (7 * DAY_MS) for t in ts)
    assert sorted(by_week) == [0, 1, 2, 3, 4]
    assert min(by_week.values()) > 0.1 * len(ts)


def test_activity_per_user_has_a_heavy_tail(events):
    per_user = sorted(Counter(e["user_id"] for e in events).values(), reverse=True)
    total = sum(per_user)
    top_share = sum(per_user[:len(per_user) // 100]) / total
    median = per_user[len(per_user) // 2]
    assert len(per_user) > 5_000
    assert top_share > 0.10, f"top 1% of users hold {top_share:.1%} of the events"
    assert per_user[0] > 50 * median
    assert per_user[0] < 0.02 * total, "no single shopper dominates the traffic"


def test_long_windows_slide_past_activity(params, events):
    first: dict[str, int] = {}
    last: dict[str, int] = defaultdict(int)
    for e in events:
        first[e["user_id"]] = min(first.get(e["user_id"], e["ts"]), e["ts"])
        last[e["user_id"]] = max(last[e["user_id"]], e["ts"])
    # users active more than 30 days apart: their 30d windows drop old tiles while they are still active
    assert sum(last[u] - first[u] > 30 * DAY_MS for u in first) > 50
    # users gone for the last week of traffic: their 7d windows empty out without new events
    assert sum(params.end_ms - last[u] > 7 * DAY_MS for u in first) > 0.1 * len(first)
