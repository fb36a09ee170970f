-- The user and event time of every record of one input topic, parsed by Flink's own `json` format
-- (rendered once per input topic: src_clickstream, src_orders). A record that is not JSON, or whose
-- fields have the wrong type, parses to nulls; event time is the payload's `ts` when plausible, else the
-- Kafka timestamp, as in sql/flink/staging/010_src_event.sql, so no record can drag the watermark.
create temporary table src_${event} (
    user_id string,
    ts bigint,
    kafka_ts timestamp_ltz(3) metadata from 'timestamp' virtual,
    rt as case when ts is not null and ts > 0 and ts <= ${kafka_ts_ms} + ${max_future_ms}
               then to_timestamp_ltz(ts, 3) else kafka_ts end,
    watermark for rt as rt - ${watermark_delay}
) with (
    ${source}
)
