"""Versioned Redis writes and the dead-letter tools against the real local services."""
from __future__ import annotations

import json

import pytest

from shopstream.loader.redis_writes import VersionedHashWriter
from shopstream.serving.redis_client import ServingError, connect

pytestmark = pytest.mark.integration


def test_older_versions_never_overwrite_newer_ones(stack_settings):
    r = connect(stack_settings, "writer")
    writer = VersionedHashWriter(r)
    key = "test:versioned"
    r.delete(key)
    pipe = r.pipeline(transaction=False)
    writer.queue(pipe, key, "v", 200, 60, {"views": 7})
    writer.queue(pipe, key, "v", 100, 60, {"views": 3})   # a replayed, older row
    writer.queue(pipe, key, "v", 200, 60, {"views": 7})   # the same row again
    pipe.execute()
    assert r.hgetall(key) == {"v": "200", "views": "7"}
    assert 0 < r.ttl(key) <= 60
    writer.queue(pipe, key, "v", 300, 60, {"views": 9})
    pipe.execute()
    assert r.hget(key, "views") == "9"


def test_serving_user_can_read_but_not_write(stack_settings):
    w = connect(stack_settings, "writer")
    w.hset("test:serving", mapping={"a": "1"})
    s = connect(stack_settings, "serving")
    assert s.hgetall("test:serving") == {"a": "1"}
    import redis
    with pytest.raises(redis.exceptions.NoPermissionError):
        s.hset("test:serving", "a", "2")


def test_wrong_password_is_a_clear_error(stack_settings):
    bad = stack_settings.replace(redis={"password": "nope"})
    with pytest.raises(ServingError, match="refused the writer credentials"):
        connect(bad, "writer")


def test_dlq_replay_resends_corrected_records(stack_settings, tmp_path):

    from shopstream.broker import end_offsets, ensure_topics
    from shopstream.clickhouse.client import connect as ch_connect
    from tests.e2e import harness

    ensure_topics(stack_settings)
    topic = stack_settings.topics.clickstream
    ch = ch_connect(stack_settings, "writer")
    ch.insert("dead_letters", [[topic, 0, 987654, "user_profiles", "missing_field:user_id", '{"event_id":"x"}',
                                 __import__("datetime").datetime(2026, 1, 1)]],
              column_names=["source_topic", "source_partition", "source_offset", "job", "reason", "raw_payload",
                            "kafka_ts"])
    before = end_offsets(stack_settings.kafka.bootstrap_servers, topic)
    fixed = {"event_id": "x", "user_id": "u-fixed"}
    fix = tmp_path / "fix.jsonl"
    fix.write_text(json.dumps({"source_topic": topic, "source_partition": 0, "source_offset": 987654,
                               "payload": fixed}) + "\n")
    out = harness.shopstream("dlq", "replay", "--fix", str(fix))
    assert "re-sent 1 corrected record" in out.stdout
    after = end_offsets(stack_settings.kafka.bootstrap_servers, topic)
    assert sum(after.values()) == sum(before.values()) + 1
    replays = harness.ch_rows(stack_settings, "select source_offset, corrected_payload from "
                                              f"{stack_settings.clickhouse.database}.dead_letter_replays final")
    assert (987654, json.dumps(fixed)) in replays
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(json.dumps({"source_topic": topic, "source_partition": 0, "source_offset": 1,
                                   "payload": fixed}) + "\n")
    assert harness.shopstream("dlq", "replay", "--fix", str(unknown), check=False).returncode == 1
