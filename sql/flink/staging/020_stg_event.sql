-- Typed columns of one input topic and its first failing data-quality check (dq_reason, null when
-- valid), both from the contract in schemas/${event}.yaml, computed by one call of stage_${event} per
-- record; and whether the record is late: older than the newest event time seen before it in its
-- partition, minus the allowed delay. That maximum is operator state, so a job restored from a
-- checkpoint classifies every record exactly as the first run did (a watermark restarts from nothing
-- after a restore). Rendered once per event type: stg_clickstream, stg_orders.
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
    from (select *, ${kafka_ts_ms} as kafka_ts_ms, proctime() as arrival from src_${event})
    cross join lateral table(stage_${event}(payload, kafka_ts_ms)) as staged (${staged_names})
)
