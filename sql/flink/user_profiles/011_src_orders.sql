-- Raw order records exactly as they sit in Kafka, with their source position (see src_clickstream).
create temporary table src_orders (
    payload string,
    kafka_partition int metadata from 'partition' virtual,
    kafka_offset bigint metadata from 'offset' virtual,
    kafka_ts timestamp_ltz(3) metadata from 'timestamp' virtual,
    rt as ${orders_event_time},
    watermark for rt as rt - ${watermark_delay}
) with (
    ${orders_source}
)
