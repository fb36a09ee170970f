"""The ad job's SQL (staging, the profile views it needs, the ad layer) on in-memory rows at
parallelism 1, compared with the batch computation of tests/e2e/ad_reference.py: the click join with
orphans, last-click conversions, the segment as of each fact, sliding windows and spend today."""
from __future__ import annotations

import pytest

from shopstream.generator import GenerationParams, generate
from shopstream.settings import load_settings
from tests.e2e.ad_reference import compute_ads
from tests.e2e.reference import KafkaRecord, accept

pytestmark = pytest.mark.flink

WINDOW_COLUMNS = ("level, entity, window_name, as_of_ms, impressions, clicks, orphan_clicks, conversions, "
                  "revenue_minor, spend_minor")


def in_memory_records():
    params = GenerationParams(seed=11, users=30, products=60, start_ms=1_790_000_000_000, days=1.0, events=6000,
                              bad_share=0.03, late_share=0.02, duplicate_share=0.03, orphan_click_share=0.3)
    topics = {"clickstream": [], "orders": []}
    for rec in generate(params):
        if rec.topic_setting in topics:
            topics[rec.topic_setting].append(rec)
    return {t: [KafkaRecord(t, 0, i, r.ts_ms, r.value) for i, r in enumerate(recs)] for t, recs in topics.items()}


@pytest.fixture(scope="module")
def results():
    from pyflink.common import Types
    from pyflink.datastream import StreamExecutionEnvironment
    from pyflink.table import DataTypes, Schema, StreamTableEnvironment

    from jobs import ad_features
    from shopstream.flink.environment import RunOptions, flink_config
    from shopstream.flink.layers import is_output, is_source
    from shopstream.flink.layers.ads import BRANCHES, WINDOWS
    from shopstream.flink.params import event_time_sql

    settings = load_settings()
    records = in_memory_records()
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(1)
    env.get_config().set_auto_watermark_interval(0)
    t_env = StreamTableEnvironment.create(env)
    options = RunOptions(job="ad_sql_test")
    for key, value in flink_config(settings, options).items():
        if key.startswith(("python.", "table.", "pipeline.jars")):
            t_env.get_config().set(key, value)
    row_type = Types.ROW_NAMED(["payload", "kafka_partition", "kafka_offset", "kafka_ts_ms_raw"],
                               [Types.STRING(), Types.INT(), Types.LONG(), Types.LONG()])
    for event, recs in records.items():
        ds = env.from_collection([(r.value.decode("utf-8", "replace"), r.partition, r.offset, r.timestamp_ms)
                                  for r in recs], type_info=row_type)
        schema = (Schema.new_builder()
                  .column("payload", DataTypes.STRING()).column("kafka_partition", DataTypes.INT())
                  .column("kafka_offset", DataTypes.BIGINT()).column("kafka_ts_ms_raw", DataTypes.BIGINT())
                  .column_by_expression("kafka_ts", "to_timestamp_ltz(kafka_ts_ms_raw, 3)")
                  .column_by_expression("rt", event_time_sql(kafka_ts="to_timestamp_ltz(kafka_ts_ms_raw, 3)",
                                                             kafka_ts_ms="kafka_ts_ms_raw"))
                  .watermark("rt", f"rt - interval '{settings.profiles.watermark_delay_ms / 1000:.3f}' second")
                  .build())
        t_env.create_temporary_view(f"src_{event}", t_env.from_data_stream(ds, schema))
    ad_features.SPEC.register_functions(t_env)
    for name, statement in ad_features.SPEC.render(settings, options):
        if not (is_source(name) or is_output(name)):
            t_env.execute_sql(statement)
    windows = " union all ".join(f"select {WINDOW_COLUMNS} from ad_window_{b}_{w}" for b in BRANCHES for w in WINDOWS)
    queries = {
        "windows": windows,
        "performance": ("select tile_end_ms - 60000, ad_id, campaign_id, placement, segment, country, device, "
                        "impressions, clicks, orphan_clicks, conversions, revenue_minor, spend_minor "
                        "from ad_segment_minute where level = 'performance'"),
        "spend": "select campaign_id, day_start_ms, as_of_ms, spend_today_minor, clicks_today from campaign_spend_today",
    }
    got = {}
    for name, query in queries.items():
        with t_env.execute_sql(query).collect() as rows:
            got[name] = {tuple(r) for r in rows}
    accepted = accept(records["clickstream"] + records["orders"],
                      topics={"clickstream": "clickstream", "orders": "orders"},
                      watermark_delay_ms=settings.profiles.watermark_delay_ms)
    expected = compute_ads(accepted, settings_ads=settings.ads, currency_out=settings.profiles.reporting_currency)
    return got, expected


def _diff(got: set, want: set) -> str:
    return f"missing {sorted(want - got)[:5]}\nunexpected {sorted(got - want)[:5]}"


def test_the_data_exercises_orphans_conversions_and_segments(results):
    _, expected = results
    assert expected.orphan_clicks >= 2 and expected.conversions >= 2
    segments = {row[4] for row in expected.performance_rows}
    assert len(segments) >= 3, segments


def test_window_rows_equal_the_batch_computation(results):
    got, expected = results
    assert got["windows"] == expected.window_rows, _diff(got["windows"], expected.window_rows)


def test_performance_minutes_equal_the_batch_computation(results):
    got, expected = results
    assert got["performance"] == expected.performance_rows, _diff(got["performance"], expected.performance_rows)


def test_spend_today_equals_the_batch_computation(results):
    got, expected = results
    assert got["spend"] == expected.spend_rows, _diff(got["spend"], expected.spend_rows)
