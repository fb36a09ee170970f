-- The lifecycle segment of a user as of the end of each minute in which the user was active: the
-- rules SEGMENT_RULES of products/user_profiles/derive.py, rendered into this file, so the profile
-- loader derives the same value from the same totals; applied to the 30-day window and the lifetime
-- totals of that minute. Both views emit a row at the end of each active user-minute (the windows also
-- when a tile slides out), so the join, an interval join of width zero, keeps the active minutes.
create temporary view user_segment as
select
    w.user_id,
    w.as_of_ms,
    ${segment_case} as segment,
    l.tile_time as valid_from
from profile_windows as w
join profile_lifetime as l
    on w.user_id = l.user_id
   and w.rowtime between l.tile_time and l.tile_time
