-- Discards the tiles: the peer measures what Flink costs to read, parse and tile, not to deliver.
create temporary table sink_user_minute_counts (
    user_id string,
    window_start timestamp(3),
    window_end timestamp(3),
    events bigint
) with (
    'connector' = 'blackhole'
)
