-- Records that no job could use, with the reason and their source position, for inspection and replay.
-- Keyed by source position and job: a replayed job writes the same row again, and the table keeps one.
create table if not exists ${database}.dead_letters
(
    source_topic     LowCardinality(String)  comment 'Kafka topic the record was read from',
    source_partition Int32                   comment 'Kafka partition of the record',
    source_offset    Int64                   comment 'Kafka offset of the record',
    job              LowCardinality(String)  comment 'job that rejected the record',
    reason           LowCardinality(String)  comment 'first failing check, e.g. missing_field:user_id',
    raw_payload      String                  comment 'the record value exactly as read',
    kafka_ts         DateTime64(3, 'UTC')    comment 'Kafka record timestamp (arrival)'
)
engine = ReplacingMergeTree
order by (source_topic, source_partition, source_offset, job);

-- One row per dead letter re-sent by `shopstream dlq replay`.
create table if not exists ${database}.dead_letter_replays
(
    source_topic     LowCardinality(String),
    source_partition Int32,
    source_offset    Int64,
    job              LowCardinality(String),
    replayed_at      DateTime64(3, 'UTC'),
    target_topic     LowCardinality(String),
    corrected_payload String
)
engine = ReplacingMergeTree(replayed_at)
order by (source_topic, source_partition, source_offset, job);
