-- Valid events that arrived after the watermark had passed them.
create temporary table sink_late_events (
    source_topic string,
    source_partition int,
    source_offset bigint,
    job string,
    event_id string,
    user_id string,
    event_ts bigint,
    `watermark` timestamp_ltz(3),
    raw_payload string,
    kafka_ts timestamp_ltz(3)
) with (
    ${late_events_sink}
)
