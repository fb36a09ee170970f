from pathlib import Path

import pytest

from shopstream.settings import Secret, SettingsError, load_settings


def test_defaults_load_from_repository_file():
    s = load_settings(env={})
    assert s.kafka.bootstrap_servers == "127.0.0.1:19092"
    assert s.topics.clickstream == "clickstream"
    assert s.clickhouse.port == 18123


def test_environment_overrides_typed_fields():
    s = load_settings(env={"SHOPSTREAM_REDIS__PORT": "7000", "SHOPSTREAM_PROFILES__AFFINITY_HALF_LIFE_H": "12.5",
                           "SHOPSTREAM_STACK__STATE_DIR": "/tmp/x"})
    assert s.redis.port == 7000
    assert s.profiles.affinity_half_life_h == 12.5
    assert s.stack.state_dir == Path("/tmp/x")


def test_secrets_never_print():
    s = load_settings(env={"SHOPSTREAM_REDIS__PASSWORD": "hunter2"})
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.redis.password)
    assert s.redis.password.reveal() == "hunter2"
    assert isinstance(s.redis.password, Secret)


def test_unknown_setting_is_a_clear_error():
    with pytest.raises(SettingsError, match="unknown setting.*prot"):
        load_settings(env={"SHOPSTREAM_REDIS__PROT": "1"})


def test_bad_value_names_the_setting():
    with pytest.raises(SettingsError, match="redis.port"):
        load_settings(env={"SHOPSTREAM_REDIS__PORT": "not-a-port"})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})


def test_replace_returns_modified_copy():
    s = load_settings(env={})
    t = s.replace(redis={"port": 1})
    assert t.redis.port == 1 and s.redis.port != 1 and t.redis.host == s.redis.host


def test_jobs_declaring_low_latency_get_the_low_latency_flink_options() -> None:
    from shopstream.flink.environment import RunOptions, flink_config
    from shopstream.flink.jobspec import JobSpec
    from shopstream.flink.runner import load_job

    s = load_settings(env={})
    low = flink_config(s, RunOptions(job="user_profiles", low_latency=True))
    normal = flink_config(s, RunOptions(job="ad_features"))
    assert low["execution.buffer-timeout.interval"] == f"{s.flink.low_latency_buffer_timeout_ms} ms"
    assert low["pipeline.auto-watermark-interval"] == f"{s.flink.low_latency_watermark_interval_ms} ms"
    assert normal["execution.buffer-timeout.interval"] == f"{s.flink.buffer_timeout_ms} ms"
    assert normal["pipeline.auto-watermark-interval"] == f"{s.flink.watermark_interval_ms} ms"
    assert s.flink.low_latency_buffer_timeout_ms < s.flink.buffer_timeout_ms
    assert load_job("user_profiles").latency == "low"
    assert load_job("ad_features").latency == load_job("engagement").latency == "throughput"
    with pytest.raises(ValueError, match="latency must be"):
        JobSpec("x", (), latency="fast")
