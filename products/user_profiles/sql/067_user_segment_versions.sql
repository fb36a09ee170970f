-- Versioned table of user segments (one version per active user-minute, valid from that minute's
-- last millisecond), for event-time temporal joins: `for system_time as of <event time>` yields the
-- segment the user had before the event's own minute closed.
create temporary view user_segment_versions as
select user_id, segment, as_of_ms, valid_from
from (
    select *, row_number() over (partition by user_id order by valid_from desc) as version_rank
    from user_segment
)
where version_rank = 1
