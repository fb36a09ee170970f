-- Rolling ${window} totals per user, as of the end of each minute in which the user was active:
-- the sum of the user's minute tiles in [as_of - ${window}, as_of). Rendered once per window:
-- profile_window_1h, _24h, _7d and _30d.
create temporary view profile_window_${window} as
select
    user_id,
    '${window}' as window_name,
    tile_end_ms as as_of_ms,
    tile_time,
    sum(events) over w as events,
    sum(`views`) over w as `views`,
    sum(clicks) over w as clicks,
    sum(carts) over w as carts,
    sum(engagements) over w as engagements,
    sum(orders) over w as orders,
    sum(spend_minor) over w as spend_minor
from user_activity_minute
window w as (partition by user_id order by tile_time
             range between interval '${window_preceding}' day to minute preceding and current row)
