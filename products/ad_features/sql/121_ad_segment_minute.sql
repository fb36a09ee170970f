-- One-minute tiles of the segment branch at two grains: 'performance' = every dimension analysts slice
-- by (ClickHouse ad_performance_minute), and 'ad_segment' = ad x user segment (sliding windows).
create temporary view ad_segment_minute as
select
    case when grouping(campaign_id) = 0 then 'performance' else 'ad_segment' end as level,
    ad_id, campaign_id, placement, segment, country, device,
    window_time as tile_time,
    max(ts) - mod(max(ts), 60000) + 60000 as tile_end_ms,
    sum(impressions) as impressions,
    sum(clicks) as clicks,
    sum(orphan_clicks) as orphan_clicks,
    sum(conversions) as conversions,
    sum(revenue_minor) as revenue_minor,
    sum(spend_minor) as spend_minor
from table(tumble(table ad_facts_by_segment, descriptor(rt), interval '1' minute))
group by window_start, window_end, window_time,
    grouping sets ((ad_id, campaign_id, placement, segment, country, device), (ad_id, segment))
