-- Lifetime totals, recency and the latest device and country per user, as of the end of each minute
-- in which the user was active.
create temporary view profile_lifetime as
select
    user_id, as_of_ms, events, `views`, clicks, carts, orders, spend_minor, priced_views, viewed_price_minor,
    first_seen_ms, last_seen_ms, last_order_ms,
    split_index(last_context, '|', 1) as device,
    split_index(last_context, '|', 2) as country,
    cast(split_index(last_context, '|', 0) as bigint) as last_event_ms,
    tile_time
from (
select
    user_id,
    tile_end_ms as as_of_ms,
    tile_time,
    sum(events) over w as events,
    sum(`views`) over w as `views`,
    sum(clicks) over w as clicks,
    sum(carts) over w as carts,
    sum(orders) over w as orders,
    sum(spend_minor) over w as spend_minor,
    sum(priced_views) over w as priced_views,
    sum(viewed_price_minor) over w as viewed_price_minor,
    min(first_ts) over w as first_seen_ms,
    max(last_ts) over w as last_seen_ms,
    max(last_order_ts) over w as last_order_ms,
    max(last_context) over w as last_context
from user_activity_minute
window w as (partition by user_id order by tile_time rows between unbounded preceding and current row)
)
