-- One-minute tiles per ad, per campaign and per placement (level, entity): the building block of the
-- sliding windows and of spend today.
create temporary view ad_minute as
select
    case when grouping(ad_id) = 0 then 'ad'
         when grouping(campaign_id) = 0 then 'campaign'
         else 'placement' end as level,
    case when grouping(ad_id) = 0 then ad_id
         when grouping(campaign_id) = 0 then campaign_id
         else placement end as entity,
    window_time as tile_time,
    max(ts) - mod(max(ts), 60000) + 60000 as tile_end_ms,
    sum(impressions) as impressions,
    sum(clicks) as clicks,
    sum(orphan_clicks) as orphan_clicks,
    sum(conversions) as conversions,
    sum(revenue_minor) as revenue_minor,
    sum(spend_minor) as spend_minor
from table(tumble(table ad_facts, descriptor(rt), interval '1' minute))
group by window_start, window_end, window_time, grouping sets ((ad_id), (campaign_id), (placement))
