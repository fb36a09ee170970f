"""The flink_floor peer: Flink's own json format on the input topics, minute counts per user into a
blackhole, bounded by the Kafka source itself; and how the benchmark runs a peer without serving output."""
from __future__ import annotations

from pathlib import Path

from bench.peers import flink_floor
from bench.run import plan_targets
from bench.stack import settings_for, target_env
from shopstream.flink.environment import RunOptions


def rendered(bounded: bool, tmp_path: Path) -> dict[str, str]:
    settings = settings_for(target_env(tmp_path, "max", "flink_floor", fresh_inputs=True))
    options = RunOptions(job=flink_floor.NAME, bounded_offsets={} if bounded else None, run_id="7")
    out: dict[str, str] = {}
    for name, statement in flink_floor.statements(settings, options):
        out[name] = out.get(name, "") + statement + "\n"
    return out


def test_reads_both_input_topics_of_the_target_with_the_json_format(tmp_path):
    sources = rendered(True, tmp_path)["010_src_event.sql"]
    for topic in ("bench.max_flink_floor.clickstream", "bench.max_flink_floor.orders"):
        assert f"'topic' = '{topic}'" in sources
    assert sources.count("'format' = 'json'") == 2 and sources.count("'json.ignore-parse-errors' = 'true'") == 2
    assert "'properties.group.id' = 'shopstream-flink_floor-7'" in sources
    assert "watermark for rt as rt - interval '5.000' second" in sources


def test_bounded_runs_stop_at_the_latest_offsets_found_at_start(tmp_path):
    assert rendered(True, tmp_path)["010_src_event.sql"].count("'scan.bounded.mode' = 'latest-offset'") == 2
    assert "scan.bounded.mode" not in rendered(False, tmp_path)["010_src_event.sql"]


def test_minute_counts_per_user_go_to_a_blackhole(tmp_path):
    sql = rendered(True, tmp_path)
    assert "tumble(table user_activity, descriptor(rt), interval '1' minute)" in sql["050_user_minute_counts.sql"]
    assert "'connector' = 'blackhole'" in sql["080_sink_minute_counts.sql"]
    assert sql["090_insert_minute_counts.sql"].startswith("insert into sink_user_minute_counts")


def test_the_benchmark_runs_it_as_a_peer_without_serving_output():
    (target,) = plan_targets([], "none", ["flink_floor"])
    assert (target.name, target.kind, target.products) == ("flink_floor", "peer", ())
    assert target.commands == (("-m", "bench.peers.flink_floor"),)
    assert flink_floor.running_marker(Path("/r/max_flink_floor_0.json")) == Path("/r/max_flink_floor_0.json.running")
