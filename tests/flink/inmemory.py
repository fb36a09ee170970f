"""A local Flink table environment (parallelism 1) whose `src_<event>` tables are in-memory Kafka-like
records, so a job's own SQL views can run on them without a broker."""
from __future__ import annotations

from shopstream.generator import GenerationParams, generate
from tests.e2e.reference import KafkaRecord


def generated_records(params: GenerationParams) -> dict[str, list[KafkaRecord]]:
    """Clickstream and order records of ``params`` as one-partition topics, offsets in emission order."""
    topics: dict[str, list] = {"clickstream": [], "orders": []}
    for rec in generate(params):
        if rec.topic_setting in topics:
            topics[rec.topic_setting].append(rec)
    return {t: [KafkaRecord(t, 0, i, r.ts_ms, r.value) for i, r in enumerate(recs)] for t, recs in topics.items()}


def stream_table_env(settings, job: str, parallelism: int = 1):
    """A local StreamExecutionEnvironment and its StreamTableEnvironment, configured like ``job`` (Python
    options, table options, pipeline jars), emitting a watermark after every record."""
    from pyflink.common import Configuration
    from pyflink.datastream import StreamExecutionEnvironment
    from pyflink.table import StreamTableEnvironment

    from shopstream.flink.environment import RunOptions, flink_config

    config = flink_config(settings, RunOptions(job=job))
    # pipeline.jars before the environments exist: Java functions (`create function ... language java`)
    # load through the class loader built from it at creation
    initial = Configuration()
    initial.set_string("pipeline.jars", config["pipeline.jars"])
    env = StreamExecutionEnvironment.get_execution_environment(initial)
    env.set_parallelism(parallelism)
    env.get_config().set_auto_watermark_interval(0)
    t_env = StreamTableEnvironment.create(env)
    for key, value in config.items():
        if key.startswith(("python.", "table.", "pipeline.jars")):
            t_env.get_config().set(key, value)
    return env, t_env


def table_env_with_sources(settings, records: dict[str, list[KafkaRecord]], job: str):
    """A StreamTableEnvironment configured like the job, with ``src_<event>`` views over ``records``
    (a watermark after every record, as the job's Kafka sources)."""
    from pyflink.common import Types
    from pyflink.table import DataTypes, Schema

    from shopstream.flink.params import event_time_sql

    env, t_env = stream_table_env(settings, job)
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
                  .watermark("rt", f"rt - interval '{settings.events.watermark_delay_ms / 1000:.3f}' second")
                  .build())
        t_env.create_temporary_view(f"src_{event}", t_env.from_data_stream(ds, schema))
    return t_env


def apply_views(t_env, spec, settings, job: str) -> None:
    """Register the job's functions and run its view statements (not its sources, sinks or inserts)."""
    from shopstream.flink.environment import RunOptions
    from shopstream.flink.jobspec import is_output, is_source

    spec.register_functions(t_env)
    for name, statement in spec.render(settings, RunOptions(job=job)):
        if not (is_source(name) or is_output(name)):
            t_env.execute_sql(statement)
