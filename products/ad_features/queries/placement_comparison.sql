-- Placements side by side over a time range: delivery, engagement, cost, return and share of spend.
--
-- Reads ad_performance_hourly with sum() (its parts may not be merged yet): an hour counts when it
-- starts in [from, to). All campaigns. Amounts are US cents. A ratio is NULL when its denominator is 0.
--
-- Parameters:
--   {from:DateTime('UTC')}    start of the range, UTC, inclusive: 2026-09-21 00:00:00
--   {to:DateTime('UTC')}      end of the range, UTC, exclusive
--
-- Columns:
--   placement      feed, search or sidebar
--   impressions    ad impressions
--   clicks         clicks on a seen impression (billed)
--   orphan_clicks  clicks whose impression was never seen (not billed, not in CTR)
--   conversions    orders attributed to an ad click
--   revenue_minor  revenue of those orders, US cents
--   spend_minor    cost of the clicks to advertisers, US cents
--   ctr            click-through rate: clicks / impressions
--   cvr            conversion rate: conversions / clicks
--   cpc_minor      cost per click: spend_minor / clicks, US cents
--   roas           return on ad spend: revenue_minor / spend_minor
--   spend_share    this placement's share of the spend of all placements in the range
with per_placement as (
    select
        placement,
        sum(impressions)   as impressions,
        sum(clicks)        as clicks,
        sum(orphan_clicks) as orphan_clicks,
        sum(conversions)   as conversions,
        sum(revenue_minor) as revenue_minor,
        sum(spend_minor)   as spend_minor
    from ad_performance_hourly
    where hour >= {from:DateTime('UTC')}
      and hour < {to:DateTime('UTC')}
    group by placement
),

all_placements as (
    select sum(spend_minor) as total_spend_minor
    from per_placement
)

select
    placement,
    impressions,
    clicks,
    orphan_clicks,
    conversions,
    revenue_minor,
    spend_minor,
    if(impressions = 0, null, clicks / impressions)        as ctr,
    if(clicks = 0, null, conversions / clicks)             as cvr,
    if(clicks = 0, null, spend_minor / clicks)             as cpc_minor,
    if(spend_minor = 0, null, revenue_minor / spend_minor) as roas,
    if(total_spend_minor = 0, null, spend_minor / total_spend_minor) as spend_share
from per_placement
cross join all_placements
order by placement
