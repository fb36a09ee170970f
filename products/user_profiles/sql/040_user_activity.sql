-- Every countable thing a user did, as one narrow stream: clickstream events, orders, order lines.
-- Event times are 13-digit epoch milliseconds, so `context` strings order by time.
create temporary view user_activity as
select
    user_id,
    ts,
    rt,
    1 as events,
    case when event_type in ('page_view', 'product_view', 'content_view') then 1 else 0 end as `views`,
    case when event_type in ('ad_click', 'affiliate_click') then 1 else 0 end as clicks,
    case when event_type = 'add_to_cart' then 1 else 0 end as carts,
    case when event_type in ('like', 'comment', 'share') then 1 else 0 end as engagements,
    0 as orders,
    cast(0 as bigint) as spend_minor,
    case when event_type = 'product_view' then 1 else 0 end as priced_views,
    case when event_type = 'product_view'
         then ${viewed_price_reporting}
         else cast(0 as bigint) end as viewed_price_minor,
    -- ts|device|country: the greatest is the latest event (ties broken by the text, deterministically)
    concat(cast(ts as string), '|', coalesce(device, ''), '|', coalesce(country, '')) as context
from clickstream_events
union all
select
    user_id, ts, rt, 1, 0, 0, 0, 0,
    case when event_type = 'order_placed' then 1 else 0 end,
    cast(0 as bigint), 0, cast(0 as bigint), cast(null as string)
from orders_events
union all
select user_id, ts, rt, 0, 0, 0, 0, 0, 0, spend_minor, 0, cast(0 as bigint), cast(null as string)
from order_lines
