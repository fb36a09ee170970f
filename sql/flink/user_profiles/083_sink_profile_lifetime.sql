-- Lifetime totals and recency per user (upserts keyed by user_id).
create temporary table sink_profile_lifetime (
    user_id string,
    events bigint,
    views bigint,
    clicks bigint,
    carts bigint,
    orders bigint,
    spend_minor bigint,
    priced_views bigint,
    viewed_price_minor bigint,
    first_seen_ms bigint,
    last_seen_ms bigint,
    last_order_ms bigint,
    primary key (user_id) not enforced
) with (
    ${profile_lifetime_sink}
)
