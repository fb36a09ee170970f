-- Raw clickstream records exactly as they sit in Kafka, with their source position.
-- Event time is the payload's `ts` when it is a plausible number, else the Kafka timestamp, so that a
-- malformed or far-future record can never drag the watermark (it goes to dead letters anyway).
create temporary table src_clickstream (
    payload string,
    kafka_partition int metadata from 'partition' virtual,
    kafka_offset bigint metadata from 'offset' virtual,
    kafka_ts timestamp_ltz(3) metadata from 'timestamp' virtual,
    rt as ${clickstream_event_time},
    watermark for rt as rt - ${watermark_delay}
) with (
    ${clickstream_source}
)
