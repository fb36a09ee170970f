-- Campaign spend so far today (append-only, one row per campaign and active minute).
create temporary table sink_campaign_spend (
    campaign_id string,
    day_start_ms bigint,
    as_of_ms bigint,
    spend_today_minor bigint,
    clicks_today bigint
) with (
    ${campaign_spend_sink}
)
