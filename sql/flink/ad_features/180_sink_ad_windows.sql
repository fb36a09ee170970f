-- Sliding-window totals per ad, campaign, placement and ad x segment (append-only).
create temporary table sink_ad_windows (
    level string,
    entity string,
    window_name string,
    as_of_ms bigint,
    impressions bigint,
    clicks bigint,
    orphan_clicks bigint,
    conversions bigint,
    revenue_minor bigint,
    spend_minor bigint
) with (
    ${ad_windows_sink}
)
