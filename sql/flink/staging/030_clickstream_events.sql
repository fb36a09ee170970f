-- Valid, on-time clickstream events, each event_id once (the first copy to arrive wins).
create temporary view clickstream_events as
select event_id, event_type, user_id, device, country, category, price_minor, currency,
       ad_id, campaign_id, placement, impression_id, ts, rt
from (
    select
        *,
        row_number() over (partition by event_id order by proc_time asc) as copy_number
    from (select *, proctime() as proc_time from stg_clickstream)
    where dq_reason is null and not coalesce(is_late, false)
)
where copy_number = 1
