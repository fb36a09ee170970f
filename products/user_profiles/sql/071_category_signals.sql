-- Every signal of interest in a category: views weigh 1, carts 3, each ordered unit 5.
create temporary view category_signals as
select user_id, category, ts, rt,
       case event_type when 'product_view' then 1.0 else 3.0 end as weight
from clickstream_events
where category is not null and event_type in ('product_view', 'add_to_cart')
union all
select user_id, category, ts, rt, 5.0 * qty as weight
from order_lines
where category is not null and event_type = 'order_placed'
