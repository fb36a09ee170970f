-- Per-user one-minute tiles of activity: the building block of every rolling window.
create temporary view user_activity_minute as
select
    user_id,
    window_start as tile_start,
    window_end as tile_end,
    window_time as tile_time,
    max(ts) - mod(max(ts), 60000) + 60000 as tile_end_ms,
    sum(events) as events,
    sum(`views`) as `views`,
    sum(clicks) as clicks,
    sum(carts) as carts,
    sum(engagements) as engagements,
    sum(orders) as orders,
    sum(spend_minor) as spend_minor,
    sum(priced_views) as priced_views,
    sum(viewed_price_minor) as viewed_price_minor,
    min(ts) as first_ts,
    max(ts) as last_ts,
    max(case when orders > 0 then ts end) as last_order_ts,
    max(context) as last_context
from table(tumble(table user_activity, descriptor(rt), interval '1' minute))
group by user_id, window_start, window_end, window_time
