-- Per-user, per-category one-minute tiles of decayed interest: weight * 2^((ts - epoch) / half_life).
create temporary view category_signal_minute as
select
    user_id,
    category,
    window_time as tile_time,
    max(ts) - mod(max(ts), 60000) + 60000 as tile_end_ms,
    count(*) as signals,
    sum(weight * power(2.0, cast(ts - ${affinity_epoch_ms} as double) / ${affinity_half_life_ms})) as score
from table(tumble(table category_signals, descriptor(rt), interval '1' minute))
group by user_id, category, window_start, window_end, window_time
