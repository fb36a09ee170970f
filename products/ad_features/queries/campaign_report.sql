-- Per-ad performance of one campaign over a time range: delivery, engagement, cost and return.
--
-- Reads ad_performance_hourly with sum() (its parts may not be merged yet): an hour counts when it
-- starts in [from, to). Amounts are US cents. A ratio is NULL when its denominator is 0.
--
-- Parameters:
--   {campaign_id:String}      campaign, e.g. cmp-01
--   {from:DateTime('UTC')}    start of the range, UTC, inclusive: 2026-09-21 00:00:00
--   {to:DateTime('UTC')}      end of the range, UTC, exclusive
--
-- Columns:
--   ad_id          the ad
--   impressions    ad impressions
--   clicks         clicks on a seen impression (billed)
--   orphan_clicks  clicks whose impression was never seen (not billed, not in CTR)
--   conversions    orders attributed to a click on the ad (last click within the conversion window)
--   revenue_minor  revenue of those orders, US cents
--   spend_minor    cost of the clicks to the advertiser, US cents
--   ctr            click-through rate: clicks / impressions
--   cvr            conversion rate: conversions / clicks
--   cpc_minor      cost per click: spend_minor / clicks, US cents
--   roas           return on ad spend: revenue_minor / spend_minor
with per_ad as (
    select
        ad_id,
        sum(impressions)   as impressions,
        sum(clicks)        as clicks,
        sum(orphan_clicks) as orphan_clicks,
        sum(conversions)   as conversions,
        sum(revenue_minor) as revenue_minor,
        sum(spend_minor)   as spend_minor
    from ad_performance_hourly
    where campaign_id = {campaign_id:String}
      and hour >= {from:DateTime('UTC')}
      and hour < {to:DateTime('UTC')}
    group by ad_id
)
select
    ad_id,
    impressions,
    clicks,
    orphan_clicks,
    conversions,
    revenue_minor,
    spend_minor,
    if(impressions = 0, null, clicks / impressions)     as ctr,
    if(clicks = 0, null, conversions / clicks)          as cvr,
    if(clicks = 0, null, spend_minor / clicks)          as cpc_minor,
    if(spend_minor = 0, null, revenue_minor / spend_minor) as roas
from per_ad
order by ad_id
