-- Valid events that arrived after the watermark had passed them (later than the allowed lateness).
-- They are not in any window; analysts can count them, and a backfill can re-process them.
create table if not exists ${database}.late_events
(
    source_topic     LowCardinality(String)  comment 'Kafka topic the event was read from',
    source_partition Int32,
    source_offset    Int64,
    job              LowCardinality(String),
    event_id         String,
    user_id          String,
    event_ts         DateTime64(3, 'UTC')    comment 'event time of the late event',
    watermark        DateTime64(3, 'UTC')    comment 'the watermark when the event arrived',
    raw_payload      String,
    kafka_ts         DateTime64(3, 'UTC')
)
engine = ReplacingMergeTree
order by (source_topic, source_partition, source_offset, job);
