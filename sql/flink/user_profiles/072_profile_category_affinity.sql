-- Decayed category affinity per user: sum of weight * 2^((ts - epoch) / half_life) over the events
-- that name a category. Scores of one user compare across categories at any moment, since decay to a
-- common "now" multiplies them all by the same factor. `signals` versions the row.
create temporary view profile_category_affinity as
select
    user_id,
    category,
    count(*) as signals,
    sum(weight * power(2.0, cast(event_ms - ${affinity_epoch_ms} as double) / ${affinity_half_life_ms})) as score
from (
    select
        user_id,
        category,
        ts as event_ms,
        case event_type when 'product_view' then 1.0 when 'add_to_cart' then 3.0 else 0.0 end as weight
    from clickstream_events
    where category is not null and event_type in ('product_view', 'add_to_cart')
    union all
    select
        user_id,
        category,
        ts as event_ms,
        case event_type when 'order_placed' then 5.0 * qty else 0.0 end as weight
    from order_lines
    where category is not null and event_type = 'order_placed'
)
group by user_id, category
