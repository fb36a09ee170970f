-- Rolling-window totals per user and window, as of the end of an active minute (append-only).
create temporary table sink_profile_windows (
    user_id string,
    window_name string,
    as_of_ms bigint,
    events bigint,
    `views` bigint,
    clicks bigint,
    carts bigint,
    engagements bigint,
    orders bigint,
    spend_minor bigint
) with (
    ${profile_windows_sink}
)
