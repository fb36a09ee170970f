-- Typed clickstream columns and the first failing data-quality check (dq_reason, null when valid), both
-- from the contract in schemas/clickstream.yaml, computed by one call of stage_clickstream per record.
create temporary view stg_clickstream as
select
    dq_reason,
    ${clickstream_columns},
    staged.is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    kafka_ts_ms,
    rt
-- Lateness is decided at the source and passed through the Python function: decided after it, the
-- watermark could already have moved past records still in the function's bundle.
from (select *, ${kafka_ts_ms} as kafka_ts_ms from src_clickstream)
cross join lateral table(stage_clickstream(payload, kafka_ts_ms, rt < current_watermark(rt)))
    as staged (${clickstream_staged_names}, is_late)
