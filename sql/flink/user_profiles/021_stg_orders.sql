-- Typed orders columns and the first failing data-quality check (dq_reason, null when valid), both
-- from the contract in schemas/orders.yaml, computed by one call of stage_orders per record.
create temporary view stg_orders as
select
    dq_reason,
    ${orders_columns},
    staged.is_late,
    payload,
    kafka_partition,
    kafka_offset,
    kafka_ts,
    kafka_ts_ms,
    rt
-- Lateness is decided at the source and passed through the Python function: decided after it, the
-- watermark could already have moved past records still in the function's bundle.
from (select *, ${kafka_ts_ms} as kafka_ts_ms from src_orders)
cross join lateral table(stage_orders(payload, kafka_ts_ms, rt < current_watermark(rt)))
    as staged (${orders_staged_names}, is_late)
