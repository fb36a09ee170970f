-- Typed clickstream columns and the first failing data-quality check, both derived from
-- schemas/clickstream.yaml; `dq_reason` is null for a valid record.
create temporary view stg_clickstream as
select
    ${clickstream_columns},
    ${clickstream_dq_reason} as dq_reason,
    rt < current_watermark(rt) as is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    ${kafka_ts_ms} as kafka_ts_ms,
    rt
from src_clickstream
