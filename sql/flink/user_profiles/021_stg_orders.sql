-- Typed orders columns and the first failing data-quality check (dq_reason, null when valid), both
-- from the contract in schemas/orders.yaml, computed by one call of stage_orders per record.
create temporary view stg_orders as
select
    dq_reason,
    ${orders_columns},
    rt < current_watermark(rt) as is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    kafka_ts_ms,
    rt
from (select *, ${kafka_ts_ms} as kafka_ts_ms from src_orders)
cross join lateral table(stage_orders(payload, kafka_ts_ms)) as staged (${orders_staged_names})
