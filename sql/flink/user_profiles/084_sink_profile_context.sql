-- Device and country of each user's latest event (upserts keyed by user_id).
create temporary table sink_profile_context (
    user_id string,
    device string,
    country string,
    last_event_ms bigint,
    primary key (user_id) not enforced
) with (
    ${profile_context_sink}
)
