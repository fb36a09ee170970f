-- Records that failed a data-quality check, with their source position and reason.
create temporary table sink_dead_letters (
    source_topic string,
    source_partition int,
    source_offset bigint,
    job string,
    reason string,
    raw_payload string,
    kafka_ts timestamp_ltz(3)
) with (
    ${dead_letters_sink}
)
