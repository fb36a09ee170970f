-- Hourly delivery, CTR (raw and smoothed) and spend of one campaign, with its daily budget.
--
-- The data of `shopstream report campaign`. Smoothed CTR is the campaign level of ctr_over_time
-- (shrunk toward its placement's smoothed CTR of the hour, shopstream.ads.ctr), one row per hour and
-- placement the campaign ran in (a campaign buys one placement, so normally one row per hour). Reads
-- ad_performance_hourly with sum(): an hour counts when it starts in [from, to). Amounts are US cents.
--
-- Parameters:
--   {campaign_id:String}                 campaign, e.g. cmp-01
--   {from:DateTime('UTC')}               start of the range, UTC, inclusive: 2026-09-21 00:00:00
--   {to:DateTime('UTC')}                 end of the range, UTC, exclusive
--   {base_ctr_feed:Float64} = 0.012      prior mean CTR of the feed placement
--   {base_ctr_search:Float64} = 0.025    prior mean CTR of the search placement
--   {base_ctr_sidebar:Float64} = 0.004   prior mean CTR of the sidebar placement
--   {placement_strength:Float64} = 1000  prior strength of the placement level, pseudo-impressions
--   {campaign_strength:Float64} = 200    prior strength of the campaign level
--
-- Columns:
--   hour                start of the UTC hour
--   placement           where the campaign's ads were shown
--   impressions         the campaign's impressions in the hour
--   clicks              its clicks on a seen impression
--   orphan_clicks       its clicks whose impression was never seen
--   conversions         orders attributed to its ads
--   revenue_minor       revenue of those orders, US cents
--   spend_minor         cost of its clicks, US cents
--   raw_ctr             clicks / impressions (NULL without impressions)
--   smoothed_ctr        posterior mean CTR of the campaign in the hour (clicks capped at impressions)
--   daily_budget_minor  the campaign's daily budget, US cents (ad_campaigns; 0 when not there)
with campaign_hours as (
    select
        hour,
        placement,
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
    group by hour, placement
),

placement_hours as (
    select
        hour,
        placement,
        sum(impressions)                     as placement_impressions,
        least(sum(clicks), sum(impressions)) as placement_clicks
    from ad_performance_hourly
    where hour >= {from:DateTime('UTC')}
      and hour < {to:DateTime('UTC')}
      and placement in (select placement from campaign_hours)
    group by hour, placement
),

placement_level as (
    select
        campaign_hours.*,
        ({placement_strength:Float64}
            * multiIf(campaign_hours.placement = 'feed', {base_ctr_feed:Float64},
                      campaign_hours.placement = 'search', {base_ctr_search:Float64},
                      campaign_hours.placement = 'sidebar', {base_ctr_sidebar:Float64},
                      nan)
            + placement_hours.placement_clicks)
          / ({placement_strength:Float64} + placement_hours.placement_impressions) as placement_ctr
    from campaign_hours
    inner join placement_hours
        on campaign_hours.hour = placement_hours.hour and campaign_hours.placement = placement_hours.placement
),

budget as (
    select daily_budget_minor
    from ad_campaigns final
    where campaign_id = {campaign_id:String}
)

select
    hour,
    placement,
    impressions,
    clicks,
    orphan_clicks,
    conversions,
    revenue_minor,
    spend_minor,
    if(impressions = 0, null, clicks / impressions) as raw_ctr,
    ({campaign_strength:Float64} * placement_ctr + least(clicks, impressions))
        / ({campaign_strength:Float64} + impressions) as smoothed_ctr,
    (select coalesce(max(daily_budget_minor), 0) from budget) as daily_budget_minor
from placement_level
order by hour, placement
