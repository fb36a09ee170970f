-- Valid, on-time events of one input topic, each event_id once (the first copy to arrive wins): the
-- view every product reads. Rendered once per event type a job reads: clickstream_events,
-- orders_events, content_events (the typed scalar fields of the contract, the raw payload for arrays).
-- The seen event_ids are kept without bound (bench/NOTES.md: a window deduplication per event-time
-- minute frees them, but it emits each minute's rows behind the watermark of the operators after it,
-- so a temporal or interval join downstream treats them as late).
create temporary view ${event}_events as
select ${event_columns}, payload, rt
from (
    select
        *,
        row_number() over (partition by event_id order by proc_time asc) as copy_number
    from (select *, proctime() as proc_time from stg_${event})
    where dq_reason is null and not coalesce(is_late, false)
)
where copy_number = 1
