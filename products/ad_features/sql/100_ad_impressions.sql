-- Valid, on-time, deduplicated ad impressions (from the staging layer's clickstream_events).
create temporary view ad_impressions as
select event_id, user_id, ad_id, campaign_id, placement, impression_id, device, country, ts, rt
from clickstream_events
where event_type = 'ad_impression'
