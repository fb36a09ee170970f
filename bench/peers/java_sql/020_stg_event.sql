-- The staging layer's stg_${event} in pure SQL: dq_reason and the typed scalar columns come from the
-- contract's SQL rendering (shopstream.contract.flink_sql: dq_reason_expression, extraction_columns),
-- tested equal to the Python validator in tests/flink/test_contract_sql.py, instead of the Python table
-- function stage_${event}. Lateness exactly as in sql/flink/staging/020_stg_event.sql.
create temporary view stg_${event} as
select
    dq_reason,
    ${columns},
    rt < max_rt_seen - ${watermark_delay} as is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    kafka_ts_ms,
    rt
from (
    select
        *,
        max(rt) over (partition by kafka_partition order by arrival rows between unbounded preceding and current row)
            as max_rt_seen
    from (
        select
            ${dq_reason_sql} as dq_reason,
            ${typed_columns},
            payload, kafka_partition, kafka_offset, kafka_ts, kafka_ts_ms, rt, arrival
        from (select *, ${kafka_ts_ms} as kafka_ts_ms, proctime() as arrival from src_${event})
    )
)
