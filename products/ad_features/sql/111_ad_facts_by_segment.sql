-- Ad facts with the user's segment as of the fact's event time (event-time temporal join with the
-- profile layer's user_segment_versions): the segment of the user's latest active minute that closed
-- before the fact. A user without an earlier minute is 'new' (what the segment rule says of an empty
-- profile). This branch waits for the profile windows, so it runs about a minute behind ad_facts.
create temporary view ad_facts_by_segment as
select
    f.user_id, f.ad_id, f.campaign_id, f.placement, f.device, f.country, f.ts, f.rt,
    coalesce(s.segment, 'new') as segment,
    f.impressions, f.clicks, f.orphan_clicks, f.conversions, f.revenue_minor, f.spend_minor
from ad_facts as f
left join user_segment_versions for system_time as of f.rt as s
    on f.user_id = s.user_id
