-- Lifetime totals and recency per user; an updating table keyed by user_id.
-- `events` grows with every event and serves as the version of this field group.
create temporary view profile_lifetime as
select
    user_id,
    sum(events) as events,
    sum(views) as views,
    sum(clicks) as clicks,
    sum(carts) as carts,
    sum(orders) as orders,
    sum(spend_minor) as spend_minor,
    sum(priced_views) as priced_views,
    sum(viewed_price_minor) as viewed_price_minor,
    min(ts) as first_seen_ms,
    max(ts) as last_seen_ms,
    max(case when orders > 0 then ts end)
        as last_order_ms
from user_activity
group by user_id
