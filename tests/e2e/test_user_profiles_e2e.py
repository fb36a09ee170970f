"""End to end: generated events (bad, late, duplicated ones included) -> broker -> Flink -> loader ->
Redis and ClickHouse, compared field by field with an independent batch computation."""
from __future__ import annotations

import math

import pytest

from tests.e2e import harness
from tests.e2e.reference import compute

pytestmark = pytest.mark.e2e

EVENTS = 12_000


def expected_for(settings):
    t = settings.topics
    records = harness.read_topic(settings, t.clickstream) + harness.read_topic(settings, t.orders)
    p = settings.profiles
    return compute(records, topics={"clickstream": t.clickstream, "orders": t.orders},
                   watermark_delay_ms=settings.events.watermark_delay_ms, reporting_currency=settings.events.reporting_currency,
                   affinity_epoch_ms=p.affinity_epoch_ms, affinity_half_life_h=p.affinity_half_life_h)


def assert_profiles_equal(actual: dict, expected: dict) -> None:
    assert sorted(actual) == sorted(expected), "the set of users with a profile differs"
    mismatches = []
    for user, exp in expected.items():
        act = actual[user]
        for name, want in exp.items():
            got = act.get(name)
            if name == "category_affinity":
                same = set(got or {}) == set(want) and all(math.isclose(got[c], want[c], abs_tol=2e-6) for c in want)
            else:
                same = got == want
            if not same:
                mismatches.append(f"{user}.{name}: job {got!r} != batch {want!r}")
    assert not mismatches, f"{len(mismatches)} mismatching fields, first ones:\n" + "\n".join(mismatches[:20])


def assert_sinks_match(settings, expected) -> None:
    assert_profiles_equal(harness.redis_profiles(settings), expected.profiles)

    db = settings.clickhouse.database
    dead = set(harness.ch_rows(settings, f"select source_topic, source_partition, source_offset, reason "
                                         f"from {db}.dead_letters final"))
    assert dead == expected.dead_letters
    late = set(harness.ch_rows(settings, f"select source_topic, source_partition, source_offset "
                                         f"from {db}.late_events final"))
    assert late == expected.late_events
    windows = set(harness.ch_rows(settings, f"select user_id, window_name, as_of_ms, events, views, clicks, carts, "
                                            f"engagements, orders, spend_minor from {db}.user_profile_windows final"))
    assert windows == expected.window_rows
    rows = harness.ch_rows(settings, f"select user_id, events_total, spend_minor_total, orders_30d, segment, "
                                     f"top_categories from {db}.user_profiles final")
    assert len(rows) == len(expected.profiles)
    for user, events_total, spend, orders_30d, segment, top in rows:
        exp = expected.profiles[user]
        assert (events_total, spend, orders_30d, segment, list(top)) == (
            exp["events_total"], exp["spend_minor_total"], exp["orders_30d"], exp["segment"], exp["top_categories"])


@pytest.fixture(scope="module")
def generated(stack_settings):
    harness.shopstream("generate", "--events", str(EVENTS), "--users", "150", "--days", "3",
                       "--bad-share", "0.02", "--late-share", "0.01", "--duplicate-share", "0.02")
    expected = expected_for(stack_settings)
    assert expected.dead_letters and expected.late_events, "the generator must produce bad and late records"
    return expected


def test_profile_job_matches_batch_computation(stack_settings, generated):
    harness.shopstream("run", "user_profiles", "--bounded")
    assert_sinks_match(stack_settings, generated)


def test_crash_and_resume_leaves_sinks_as_without_crash(stack_settings, generated, tmp_path):
    """Kill the job (JVM, workers and loader together) mid-stream, resume, compare with the batch."""
    import time

    from shopstream.flink.checkpoints import latest_checkpoint
    from shopstream.serving.redis_client import connect

    connect(stack_settings, "writer").flushdb()
    ch = harness.ch_connect(stack_settings, "writer")
    for table in ("user_profiles", "user_profile_windows", "dead_letters", "late_events"):
        ch.command(f"truncate table {table}")

    proc = harness.start_shopstream("run", "user_profiles", "--bounded")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        chk = latest_checkpoint(stack_settings, "user_profiles")
        loaded = harness.ch_rows(stack_settings, f"select count() from {stack_settings.clickhouse.database}.user_profile_windows")[0][0]
        if chk is not None and loaded > 0:
            break
        time.sleep(0.5)
    assert proc.poll() is None, "the job finished before it could be killed; make the input larger"
    harness.kill_hard(proc)
    assert latest_checkpoint(stack_settings, "user_profiles") is not None

    harness.shopstream("run", "user_profiles", "--resume")
    assert_sinks_match(stack_settings, generated)
