-- Valid, on-time events of one input topic, each event_id once: the view every product reads. Rendered
-- once per event type a job reads: clickstream_events, orders_events, content_events (the typed scalar
-- fields of the contract, the raw payload for arrays). Copies of an event share its ts, so they fall in
-- the same event-time minute: deduplication is a window deduplication per minute, whose state is freed
-- when the minute closes (not kept forever); the copy with the earliest event time, i.e. any of the
-- identical copies, is kept.
create temporary view ${event}_events as
select ${event_columns}, payload, rt
from (
    select
        *,
        row_number() over (partition by window_start, window_end, event_id order by rt asc) as copy_number
    from table(tumble(table stg_${event}, descriptor(rt), interval '1' minute))
    where dq_reason is null and not coalesce(is_late, false)
)
where copy_number = 1
