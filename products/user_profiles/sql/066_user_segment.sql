-- The lifecycle segment of a user as of the end of each minute in which the user was active: the
-- rules SEGMENT_RULES of products/user_profiles/derive.py, rendered into this file, so the profile
-- loader derives the same value from the same totals; applied to the 30-day window and the lifetime
-- totals of that minute. Both views emit one row per active user-minute at the same event time, so
-- the join is an interval join of width zero.
create temporary view user_segment as
select
    w.user_id,
    w.as_of_ms,
    ${segment_case} as segment,
    w.tile_time as valid_from
from segment_window_30d as w
join profile_lifetime as l
    on w.user_id = l.user_id
   and w.tile_time between l.tile_time and l.tile_time
