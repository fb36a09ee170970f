-- Typed order columns and the first failing data-quality check, derived from schemas/orders.yaml.
create temporary view stg_orders as
select
    ${orders_columns},
    ${orders_dq_reason} as dq_reason,
    rt < current_watermark(rt) as is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    ${kafka_ts_ms} as kafka_ts_ms,
    rt
from src_orders
