-- The lifecycle segment of a user as of the end of each minute in which the user was active: the
-- rule of shopstream.profiles.derive.segment (the profile loader derives the same value from the same
-- totals), applied to the 30-day window and the lifetime totals of that minute. Both views emit one row
-- per active user-minute at the same event time, so the join is an interval join of width zero.
create temporary view user_segment as
select
    w.user_id,
    w.as_of_ms,
    case
        when l.orders >= 5 and w.spend_minor >= 50000 then 'vip'
        when l.orders >= 3 then 'loyal'
        when w.orders >= 1 then 'active_buyer'
        when l.orders = 0 and l.last_seen_ms - l.first_seen_ms < 86400000 then 'new'
        when w.carts >= 1 and w.orders = 0 then 'window_shopper'
        when l.orders > 0 then 'lapsed_buyer'
        else 'browser'
    end as segment,
    w.tile_time as valid_from
from profile_window_30d as w
join profile_lifetime as l
    on w.user_id = l.user_id
   and w.tile_time between l.tile_time and l.tile_time
