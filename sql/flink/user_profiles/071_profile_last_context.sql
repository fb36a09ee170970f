-- Device and country of each user's latest clickstream event (by event time).
create temporary view profile_last_context as
select user_id, device, country, last_event_ms
from (
    select
        user_id,
        device,
        country,
        ts as last_event_ms,
        row_number() over (partition by user_id order by rt desc) as recency_rank
    from clickstream_events
)
where recency_rank = 1
