-- Minute rows of ad performance by every analysis dimension (append-only; ClickHouse ad_performance_minute).
create temporary table sink_ad_performance (
    minute_ms bigint,
    ad_id string,
    campaign_id string,
    placement string,
    segment string,
    country string,
    device string,
    impressions bigint,
    clicks bigint,
    orphan_clicks bigint,
    conversions bigint,
    revenue_minor bigint,
    spend_minor bigint
) with (
    ${ad_performance_sink}
)
