-- Conversions: an order placed by a user within ${conversion_window} (days hh:mm) after one of the
-- user's (non-orphan) ad clicks converts the ad of the latest such click. One 'order' row counts the
-- conversion; one 'line' row per order line carries revenue (the line in the reporting currency, as
-- profile spend). "Latest" is the greatest `ts|ad|campaign|placement|device|country` string (13-digit
-- epoch milliseconds order as text; an exact tie is broken by the text).
create temporary view ad_conversions as
select
    user_id,
    split_index(last_click, '|', 1) as ad_id,
    split_index(last_click, '|', 2) as campaign_id,
    split_index(last_click, '|', 3) as placement,
    split_index(last_click, '|', 4) as device,
    split_index(last_click, '|', 5) as country,
    conversions,
    revenue_minor,
    ts,
    rt
from (
    select kind, user_id, conversions, revenue_minor, ts, rt, max(click_ref) over w as last_click
    from (
        select 'click' as kind, user_id,
               concat_ws('|', cast(ts as string), ad_id, campaign_id, placement, device, country) as click_ref,
               cast(0 as bigint) as conversions, cast(0 as bigint) as revenue_minor, ts, rt
        from ad_clicks
        where not is_orphan
        union all
        select 'order', user_id, cast(null as string), cast(1 as bigint), cast(0 as bigint), ts, rt
        from orders_events
        where event_type = 'order_placed'
        union all
        select 'line', user_id, cast(null as string), cast(0 as bigint), spend_minor, ts, rt
        from order_lines
        where event_type = 'order_placed'
    )
    window w as (partition by user_id order by rt
                 range between interval '${conversion_window}' day to minute preceding and current row)
)
where kind <> 'click' and last_click is not null
