"""The benchmark's peers compute the profile job's features: the plain-Python peer's window state, the
Java peer's SQL (the job's layers, staging in pure SQL), and each target's own topics and database."""
from __future__ import annotations

import random
from pathlib import Path

from bench.peers.java_sql import NAME, overlay, spec
from bench.peers.python_consumer import MINUTE_MS, WINDOW_MINUTES, ProfileState, UserState, event_time
from bench.stack import target_env
from shopstream.flink.environment import RunOptions
from shopstream.generator import GenerationParams, generate
from shopstream.settings import load_settings


def brute_force_windows(events: list[tuple[int, list]]) -> dict[str, list]:
    last = max(ts for ts, _ in events) // MINUTE_MS
    out = {}
    for w, span in WINDOW_MINUTES.items():
        sums = [0] * 7
        for ts, counts in events:
            if ts // MINUTE_MS > last - span:
                sums = [a + b for a, b in zip(sums, counts)]
        out[w] = sums
    return out


def test_running_window_totals_equal_a_recomputation():
    rng = random.Random(3)
    user, events = UserState(), []
    t = 1_790_000_000_000
    for _ in range(3000):
        t += rng.choice([1_000, 30_000, 600_000, 5 * 3_600_000, 3 * 86_400_000])
        ts = t - rng.randint(0, 4_000)  # out of order by up to 4 s, as the lateness rule lets through
        counts = [1, rng.randint(0, 1), rng.randint(0, 1), 0, 0, rng.randint(0, 1), rng.randint(-500, 5000)]
        user.add(ts, counts)
        events.append((ts, counts))
        if rng.random() < 0.05:
            assert user.sums == brute_force_windows(events)
    assert user.sums == brute_force_windows(events)
    assert max(user.minutes) - min(user.minutes) < WINDOW_MINUTES["30d"]  # older tiles are dropped


def test_event_time_follows_the_job_rule():
    assert event_time({"ts": 1000}, 5000) == 1000
    assert event_time({"ts": "1000"}, 5000) == 1000
    assert event_time({"ts": True}, 5000) == 5000
    assert event_time({"ts": 5000 + 86_400_001}, 5000) == 5000


def test_python_peer_routes_bad_late_and_duplicate_records():
    state = ProfileState(load_settings())
    params = GenerationParams(events=3000, users=40, bad_share=0.05, late_share=0.02, duplicate_share=0.03)
    partition = {}
    for r in generate(params):
        if r.topic_setting in ("clickstream", "orders"):
            p = partition.setdefault(r.key, len(partition) % 2)
            state.accept(r.topic_setting, p, r.ts_ms, r.value)
    c = state.counters
    assert c.dead_letters > 0 and c.late > 0 and c.duplicates > 0
    assert state.users and all(u.events > 0 for u in state.users.values())
    fields = next(iter(state.users.values())).profile_fields()
    assert {"events_1h", "spend_minor_30d", "as_of_ms_30d", "events_total", "device"} <= set(fields)


def test_java_peer_is_the_profile_sql_with_staging_in_pure_sql(tmp_path: Path):
    job = spec(tmp_path)
    statements = job.render(load_settings(), RunOptions(job=NAME))
    names = [n for n, _ in statements]
    assert "staging_pure_sql/020_stg_event.sql" in names and "user_profiles/092_insert_profile_windows.sql" in names
    text = "\n".join(sql for _, sql in statements)
    assert "stage_clickstream" not in text and "lateral table" not in text  # no Python table function
    assert "'malformed_json'" in text  # dq_reason from the contract's SQL
    # its dead letters and late events go to topics of its own too (no loader reads them)
    assert job.output_topics == ("dead_letters", "late_events", "profile_windows", "profile_lifetime",
                                 "profile_affinity")


def test_overlay_takes_peer_files_by_name(tmp_path: Path):
    base, peer = tmp_path / "base", tmp_path / "peer"
    base.mkdir()
    peer.mkdir()
    (base / "010_a.sql").write_text("a")
    (base / "020_b.sql").write_text("b")
    (peer / "020_b.sql").write_text("B")
    out = overlay(base, peer, tmp_path / "out")
    assert {p.name: p.read_text() for p in out.glob("*.sql")} == {"010_a.sql": "a", "020_b.sql": "B"}


def test_each_target_gets_its_own_topics_database_and_checkpoints(tmp_path: Path):
    env = target_env(tmp_path, "half", "user_profiles", fresh_inputs=True)
    assert env["SHOPSTREAM_TOPICS__PROFILE_WINDOWS"] == "bench.half_user_profiles.profile_windows"
    assert env["SHOPSTREAM_TOPICS__CLICKSTREAM"] == "bench.half_user_profiles.clickstream"
    assert env["SHOPSTREAM_CLICKHOUSE__DATABASE"] == "bench_half_user_profiles"
    shared = target_env(tmp_path, "max", "java_sql", fresh_inputs=False)
    assert "SHOPSTREAM_TOPICS__CLICKSTREAM" not in shared
    assert shared["SHOPSTREAM_FLINK__CHECKPOINT_DIR"] == str(tmp_path / "checkpoints" / "max_java_sql")


def test_java_sql_writer_is_a_loader_applier() -> None:
    from bench.peers.java_sql.writer import ProfileRedisWriter
    from shopstream.loader.sink import Applier, ApplierSink, as_sink, missing_methods

    for name in ("topics_handled", "apply", "flush"):
        assert callable(getattr(ProfileRedisWriter, name, None)), name
    assert {"topics_handled", "apply", "flush"} <= set(dir(Applier))
    writer = ProfileRedisWriter.__new__(ProfileRedisWriter)  # no Redis needed to check the shape
    assert missing_methods(writer) == [] and isinstance(as_sink(writer), ApplierSink)
