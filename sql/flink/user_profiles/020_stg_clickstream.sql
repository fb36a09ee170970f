-- Typed clickstream columns and the first failing data-quality check (dq_reason, null when valid), both
-- from the contract in schemas/clickstream.yaml, computed by one call of stage_clickstream per record.
create temporary view stg_clickstream as
select
    dq_reason,
    ${clickstream_columns},
    rt < current_watermark(rt) as is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    kafka_ts_ms,
    rt
from (select *, ${kafka_ts_ms} as kafka_ts_ms from src_clickstream)
cross join lateral table(stage_clickstream(payload, kafka_ts_ms)) as staged (${clickstream_staged_names})
