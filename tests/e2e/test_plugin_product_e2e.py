"""A throw-away product (tests/fixtures/toy_product), plugged in from outside the project with
SHOPSTREAM_PLUGINS, runs end to end through the same machinery as the built-in products: its migration,
its topic, its Flink layer after staging, its loader, its serving keys; nothing in the runtime names it."""
from __future__ import annotations

import os
from collections import Counter

import pytest

from shopstream.serving.redis_client import connect as redis_connect
from tests.e2e import harness
from tests.e2e.reference import accept

pytestmark = pytest.mark.e2e

PLUGIN = "tests.fixtures.toy_product"


@pytest.fixture
def plugged(monkeypatch, stack_settings):
    monkeypatch.setenv("SHOPSTREAM_PLUGINS", PLUGIN)
    from shopstream.settings import load_settings
    return load_settings()


def expected_hourly(settings) -> Counter:
    records = harness.read_topic(settings, settings.topics.clickstream)
    accepted = accept(records, topics={"clickstream": settings.topics.clickstream},
                      watermark_delay_ms=settings.events.watermark_delay_ms)
    return Counter((e["user_id"], e["ts"] - e["ts"] % 3_600_000) for e in accepted["clickstream"]
                   if e["event_type"] == "page_view")


def test_toy_product_runs_end_to_end(plugged):
    s = plugged
    assert s.topics.toy_hourly == "shopstream.toy_hourly" and s.toy.counted_event == "page_view"
    from shopstream.clickhouse import migrations
    from shopstream.clickhouse.client import connect
    applied = migrations.apply(connect(s, "writer", database=""), s)  # the plug-in's migration (only)
    assert [m.name for m in applied] in ([], ["toy_hourly_page_views"])
    if not harness.read_topic(s, s.topics.clickstream):
        harness.shopstream("generate", "--events", "3000", "--users", "40", "--days", "1", "--bad-share", "0.02",
                           "--late-share", "0.01", "--duplicate-share", "0.02")
    harness.shopstream("run", "toy", "--bounded")
    expected = expected_hourly(s)
    # a drain fires every window, so every hour of the input is there
    db = s.clickhouse.database
    rows = harness.ch_rows(s, f"select user_id, hour_start_ms, page_views from {db}.toy_hourly_page_views final")
    assert {(u, h): n for u, h, n in rows} == dict(expected)
    r = redis_connect(s, "serving")
    served = {(k.split(":", 1)[1], int(h)): int(n) for k in r.scan_iter("toy:*") for h, n in r.hgetall(k).items()}
    assert served == dict(expected)
    assert sum(expected.values()) > 100, "the generated traffic must hold page views"
    assert "toy_hourly_page_views" in harness.shopstream("guide").stdout  # its guide lines are shown


def test_plugin_is_listed_as_job_and_its_output_topic_created(plugged):
    from shopstream.broker import ensure_topics
    from shopstream.flink.runner import available_jobs
    assert "toy" in available_jobs()
    ensure_topics(plugged)
    assert "shopstream.toy_hourly" in plugged.topics.outputs()
    assert os.environ["SHOPSTREAM_PLUGINS"] == PLUGIN
