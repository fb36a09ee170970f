-- Raw records of one input topic exactly as they sit in Kafka, with their source position
-- (rendered once per event type of the contract: src_clickstream, src_orders).
-- Event time is the payload's `ts` when it is a plausible number, else the Kafka timestamp, so that a
-- malformed or far-future record can never drag the watermark (it goes to dead letters anyway).
create temporary table src_${event} (
    payload string,
    kafka_partition int metadata from 'partition' virtual,
    kafka_offset bigint metadata from 'offset' virtual,
    kafka_ts timestamp_ltz(3) metadata from 'timestamp' virtual,
    rt as ${event_time},
    watermark for rt as rt - ${watermark_delay}
) with (
    ${source}
)
