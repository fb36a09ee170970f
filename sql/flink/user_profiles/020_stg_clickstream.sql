-- Typed clickstream columns and the first failing data-quality check (dq_reason, null when valid), both
-- from the contract in schemas/clickstream.yaml, computed by one call of stage_clickstream per record; and whether
-- the record is late: older than the newest event time seen before it in its partition, minus the
-- allowed delay. That maximum is operator state, so a job restored from a checkpoint classifies every
-- record exactly as the first run did (a watermark restarts from nothing after a restore).
create temporary view stg_clickstream as
select
    dq_reason,
    ${clickstream_columns},
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
    from (select *, ${kafka_ts_ms} as kafka_ts_ms, proctime() as arrival from src_clickstream)
    cross join lateral table(stage_clickstream(payload, kafka_ts_ms)) as staged (${clickstream_staged_names})
)
