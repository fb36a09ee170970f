-- The 30-day totals the segment rules read, as of the end of each minute in which the user was active
-- (for user_segment, which the ad layer reads at every fact). A RANGE OVER window, not rolling_tiles:
-- in Flink 2.3 a process table function is never shared between the sinks of a statement set (each
-- INSERT plans its own copy, and two copies of one uid are refused), and user_segment feeds several ad
-- sinks. It is O(30-day tiles) per active minute: the cost left for the ad layer (bench/NOTES.md).
create temporary view segment_window_30d as
select
    user_id,
    tile_end_ms as as_of_ms,
    tile_time,
    sum(carts) over w as carts,
    sum(orders) over w as orders,
    sum(spend_minor) over w as spend_minor
from user_activity_minute
window w as (partition by user_id order by tile_time
             range between interval '29 23:59' day to minute preceding and current row)
