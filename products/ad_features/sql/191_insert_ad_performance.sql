insert into sink_ad_performance
select tile_end_ms - 60000, ad_id, campaign_id, placement, segment, country, device,
       impressions, clicks, orphan_clicks, conversions, revenue_minor, spend_minor
from ad_segment_minute
where level = 'performance'
