-- Valid, on-time order events, each event_id once (the first copy to arrive wins).
create temporary view order_events as
select event_id, event_type, order_id, user_id, country, currency, payload, ts, rt
from (
    select
        *,
        row_number() over (partition by event_id order by proc_time asc) as copy_number
    from (select *, proctime() as proc_time from stg_orders)
    where dq_reason is null and not coalesce(is_late, false)
)
where copy_number = 1
