-- One row per order line, its amount converted to the reporting currency (minor units, half-up).
-- Placed lines add to spend; cancelled and returned lines subtract from it.
create temporary view order_lines as
select
    o.event_id,
    o.event_type,
    o.user_id,
    json_value(line, '$.category') as category,
    cast(json_value(line, '$.qty') as bigint) as qty,
    case o.event_type when 'order_placed' then 1 else -1 end * ${line_amount_reporting} as spend_minor,
    o.ts,
    o.rt
from orders_events as o
cross join unnest(json_query(o.payload, '$.lines' returning array<string>)) as l (line)
