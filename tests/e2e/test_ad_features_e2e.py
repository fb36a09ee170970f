"""End to end for the ad job: generated events (duplicates, orphan clicks, bad and late records) ->
broker -> Flink -> loader -> Redis and ClickHouse, compared with tests/e2e/ad_reference.py: every
window count, smoothed CTR, pacing value, minute row and rollup total. Then a crash and a resume.

The module runs on its own topics, Redis database and ClickHouse database of the session's stack."""
from __future__ import annotations

import time
import uuid
from collections import defaultdict

import pytest

from shopstream.settings import load_settings
from shopstream.stack.scoped import environment
from tests.e2e import harness
from tests.e2e.ad_reference import compute_ads
from tests.e2e.reference import accept

pytestmark = pytest.mark.e2e

EVENTS = 12_000
TABLES = ("ad_performance_minute", "ad_performance_hourly", "ad_performance_daily")


@pytest.fixture(scope="module")
def ad_settings(stack_settings):
    prefix = f"ad-e2e-{uuid.uuid4().hex[:6]}"
    overrides = {f"SHOPSTREAM_TOPICS__{name.upper()}": f"{prefix}.{name}"
                 for name in ("clickstream", "orders", "content", "dead_letters", "late_events", "profile_windows",
                              "profile_lifetime", "profile_affinity", "ad_windows", "ad_performance",
                              "campaign_spend")}
    overrides["SHOPSTREAM_REDIS__DB"] = "1"
    overrides["SHOPSTREAM_CLICKHOUSE__DATABASE"] = f"ad_e2e_{uuid.uuid4().hex[:8]}"
    with environment(overrides):
        harness.shopstream("migrate")
        yield load_settings()


@pytest.fixture(scope="module")
def expected(ad_settings):
    harness.shopstream("generate", "--events", str(EVENTS), "--users", "120", "--days", "2",
                       "--bad-share", "0.02", "--late-share", "0.01", "--duplicate-share", "0.03",
                       "--orphan-click-share", "0.25")
    t = ad_settings.topics
    records = harness.read_topic(ad_settings, t.clickstream) + harness.read_topic(ad_settings, t.orders)
    accepted = accept(records, topics={"clickstream": t.clickstream, "orders": t.orders},
                      watermark_delay_ms=ad_settings.events.watermark_delay_ms)
    exp = compute_ads(accepted, settings_ads=ad_settings.ads, currency_out=ad_settings.events.reporting_currency)
    assert exp.orphan_clicks >= 2 and exp.conversions >= 2, "the data must hold orphan clicks and conversions"
    assert sum(1 for r in accepted["clickstream"] if r["event_type"] == "ad_click") >= 20
    return exp


def redis_ad_keys(settings) -> dict[str, dict]:
    from shopstream.serving.redis_client import connect
    client = connect(settings, "serving")
    out = {}
    for key in client.scan_iter(match="ads:*", count=1000):
        if client.type(key) == "hash":
            out[key] = client.hgetall(key)
    return out


def assert_sinks_match(settings, exp) -> None:
    actual = redis_ad_keys(settings)
    assert sorted(actual) == sorted(exp.redis), "the set of ad serving keys differs"
    mismatches = [f"{key}.{name}: loader {actual[key].get(name)!r} != batch {want!r}"
                  for key, fields in exp.redis.items() for name, want in fields.items()
                  if actual[key].get(name) != want]
    extra = [f"{key}.{name}" for key in exp.redis for name in set(actual[key]) - set(exp.redis[key])]
    assert not mismatches and not extra, (f"{len(mismatches)} mismatching fields:\n" + "\n".join(mismatches[:20])
                                          + f"\nunexpected fields: {extra[:10]}")
    db = settings.clickhouse.database
    rows = set(harness.ch_rows(settings, f"""
        select toUnixTimestamp(minute) * 1000, ad_id, campaign_id, placement, segment, country, device,
               impressions, clicks, orphan_clicks, conversions, revenue_minor, spend_minor
        from {db}.ad_performance_minute final"""))
    assert rows == exp.performance_rows, (f"missing {sorted(exp.performance_rows - rows)[:3]}\n"
                                          f"unexpected {sorted(rows - exp.performance_rows)[:3]}")
    # rollups: exact totals even after replays (each minute row reached the views once)
    for table, unit_ms, column in (("ad_performance_hourly", 3_600_000, "hour"),
                                   ("ad_performance_daily", 86_400_000, "day")):
        want = defaultdict(lambda: [0] * 6)
        for minute_ms, ad_id, *_dims, imps, clicks, orphans, conv, revenue, spend in exp.performance_rows:
            acc = want[(minute_ms - minute_ms % unit_ms, ad_id)]
            for i, v in enumerate((imps, clicks, orphans, conv, revenue, spend)):
                acc[i] += v
        got = {(int(t) * 1000, ad): list(vals) for t, ad, *vals in harness.ch_rows(settings, f"""
            select toUnixTimestamp(toDateTime({column})), ad_id, sum(impressions), sum(clicks), sum(orphan_clicks),
                   sum(conversions), sum(revenue_minor), sum(spend_minor)
            from {db}.{table} group by 1, 2""")}
        assert got == dict(want), f"{table} totals differ from the batch computation"


def test_ad_job_matches_batch_computation(ad_settings, expected):
    harness.shopstream("run", "ad_features", "--bounded")
    assert_sinks_match(ad_settings, expected)


@pytest.mark.parametrize("job", ["ad_features", "engagement"])
def test_crash_and_resume_leaves_sinks_as_without_crash(ad_settings, expected, job):
    """The job killed mid-stream (JVM, workers and loader together) and resumed: the ad sinks equal the
    batch computation; for `engagement` (all products, staging once) so do the profiles."""
    from shopstream.flink.checkpoints import latest_checkpoint
    from shopstream.serving.redis_client import connect
    from tests.e2e.test_user_profiles_e2e import assert_profiles_equal, expected_for

    connect(ad_settings, "writer").flushdb()
    ch = harness.ch_connect(ad_settings, "writer")
    for table in TABLES:
        ch.command(f"truncate table {table}")
    proc = harness.start_shopstream("run", job, "--bounded")
    deadline = time.monotonic() + 300
    db = ad_settings.clickhouse.database
    while time.monotonic() < deadline and proc.poll() is None:
        loaded = harness.ch_rows(ad_settings, f"select count() from {db}.ad_performance_minute")[0][0]
        if latest_checkpoint(ad_settings, job) is not None and loaded > 0:
            break
        time.sleep(0.5)
    if proc.poll() is not None:
        output = proc.stdout.read() if proc.stdout else ""
        causes = [ln for ln in output.splitlines() if "Exception" in ln and not ln.lstrip().startswith("at ")]
        pytest.fail(f"the job ended ({proc.returncode}) before it could be killed:\n" + "\n".join(causes[:10])
                    + "\n...\n" + output[-3000:])
    harness.kill_hard(proc)
    assert latest_checkpoint(ad_settings, job) is not None
    harness.shopstream("run", job, "--resume")
    assert_sinks_match(ad_settings, expected)
    if job == "engagement":
        assert_profiles_equal(harness.redis_profiles(ad_settings), expected_for(ad_settings).profiles)
