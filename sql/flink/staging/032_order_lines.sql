-- One row per order line, its amount converted to the reporting currency (minor units, half-up).
-- Placed lines add to spend; cancelled and returned lines subtract from it. A cancellation that lists
-- no lines cancels the whole order (the contract): it stands for every line of the order as placed,
-- found by an event-time temporal join with the order_placed event (at most ${order_lookback} before it).
-- A temporal join, not an interval join: an interval join holds its output watermark back by its
-- bound (35 days), so no window downstream would close until the end of the input.
create temporary view order_lines as
with listed as (
    select o.event_id, o.event_type, o.order_id, o.user_id, o.currency, l.line, o.ts, o.rt
    from orders_events as o
    cross join unnest(json_query(o.payload, '$.lines' returning array<string>)) as l (line)
),
placed_orders as (
    select order_id, currency, payload, rt
    from (
        select *, row_number() over (partition by order_id order by rt desc) as version_rank
        from orders_events
        where event_type = 'order_placed'
    )
    where version_rank = 1
),
whole_order_cancellations as (
    select c.event_id, c.event_type, c.order_id, c.user_id, p.currency, l.line, c.ts, c.rt
    from orders_events as c
    join placed_orders for system_time as of c.rt as p
      on p.order_id = c.order_id
    cross join unnest(json_query(p.payload, '$.lines' returning array<string>)) as l (line)
    where c.event_type = 'order_cancelled'
      and coalesce(cardinality(json_query(c.payload, '$.lines' returning array<string>)), 0) = 0
      and p.rt >= c.rt - ${order_lookback}
)
select
    o.event_id,
    o.event_type,
    o.user_id,
    json_value(o.line, '$.category') as category,
    cast(json_value(o.line, '$.qty') as bigint) as qty,
    case o.event_type when 'order_placed' then 1 else -1 end * ${line_amount_reporting} as spend_minor,
    o.ts,
    o.rt
from (
    select * from listed
    union all
    select * from whole_order_cancellations
) as o
