-- Lifetime totals, recency, device and country per user, as of the end of an active minute (append-only).
create temporary table sink_profile_lifetime (
    user_id string,
    as_of_ms bigint,
    events bigint,
    `views` bigint,
    clicks bigint,
    carts bigint,
    orders bigint,
    spend_minor bigint,
    priced_views bigint,
    viewed_price_minor bigint,
    first_seen_ms bigint,
    last_seen_ms bigint,
    last_order_ms bigint,
    device string,
    country string,
    last_event_ms bigint
) with (
    ${profile_lifetime_sink}
)
