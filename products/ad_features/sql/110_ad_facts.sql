-- Every countable ad fact as one narrow stream: impressions, clicks (spend = the ad's cost-per-click
-- bid from schemas/reference/campaigns.yaml), orphan clicks and conversions (with revenue).
create temporary view ad_facts as
select user_id, ad_id, campaign_id, placement, device, country, ts, rt,
       cast(1 as bigint) as impressions,
       cast(0 as bigint) as clicks,
       cast(0 as bigint) as orphan_clicks,
       cast(0 as bigint) as conversions,
       cast(0 as bigint) as revenue_minor,
       cast(0 as bigint) as spend_minor
from ad_impressions
union all
select user_id, ad_id, campaign_id, placement, device, country, ts, rt,
       cast(0 as bigint),
       cast(case when is_orphan then 0 else 1 end as bigint),
       cast(case when is_orphan then 1 else 0 end as bigint),
       cast(0 as bigint),
       cast(0 as bigint),
       case when is_orphan then cast(0 as bigint) else ${bid_of_ad} end
from ad_clicks
union all
select user_id, ad_id, campaign_id, placement, device, country, ts, rt,
       cast(0 as bigint), cast(0 as bigint), cast(0 as bigint), conversions, revenue_minor, cast(0 as bigint)
from ad_conversions
