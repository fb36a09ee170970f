-- Rolling 24h totals per user, as of the end of each minute in which the user was active:
-- the sum of the user's minute tiles in [as_of - 24h, as_of).
create temporary view profile_window_24h as
select
    user_id,
    '24h' as window_name,
    tile_end_ms as as_of_ms,
    sum(events) over w as events,
    sum(`views`) over w as `views`,
    sum(clicks) over w as clicks,
    sum(carts) over w as carts,
    sum(engagements) over w as engagements,
    sum(orders) over w as orders,
    sum(spend_minor) over w as spend_minor
from user_activity_minute
window w as (partition by user_id order by tile_time range between interval '0 23:59' day to minute preceding and current row)
