-- Hourly raw CTR against smoothed CTR for each ad of a campaign.
--
-- The smoothed CTR is the posterior mean of shopstream.ads.ctr: a Beta prior per level, each level's
-- posterior mean the prior mean of the level below. Per hour and placement:
--   placement_ctr = (placement_strength * base_ctr + placement clicks) / (placement_strength + placement impressions)
--   campaign_ctr  = (campaign_strength * placement_ctr + campaign clicks) / (campaign_strength + campaign impressions)
--   smoothed_ctr  = (ad_strength * campaign_ctr + ad clicks) / (ad_strength + ad impressions)
-- where placement counts are those of every campaign in the placement. As in ads.ctr.ctr_counts, the
-- smoothing caps clicks at impressions at each level (a click can land in the hour after its
-- impression); raw_ctr does not. Reads ad_performance_hourly with sum(): an hour counts when it
-- starts in [from, to). Default base CTRs and strengths are those of shopstream.ads (Priors).
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
--   {ad_strength:Float64} = 100          prior strength of the ad level
--
-- Columns:
--   hour           start of the UTC hour
--   ad_id          the ad
--   placement      where it was shown
--   impressions    the ad's impressions in the hour
--   clicks         the ad's clicks on a seen impression in the hour
--   raw_ctr        clicks / impressions (NULL without impressions)
--   base_ctr       prior mean CTR of the placement (a parameter; NaN for a placement outside the three)
--   placement_ctr  smoothed CTR of the placement in the hour (all campaigns)
--   campaign_ctr   smoothed CTR of the campaign in the placement and hour
--   smoothed_ctr   smoothed CTR of the ad: near campaign_ctr with few impressions, near raw_ctr with many
with ad_hours as (
    select
        hour,
        placement,
        ad_id,
        sum(impressions) as impressions,
        sum(clicks)      as clicks
    from ad_performance_hourly
    where campaign_id = {campaign_id:String}
      and hour >= {from:DateTime('UTC')}
      and hour < {to:DateTime('UTC')}
    group by hour, placement, ad_id
),

campaign_hours as (
    select
        hour,
        placement,
        sum(impressions)                     as campaign_impressions,
        least(sum(clicks), sum(impressions)) as campaign_clicks
    from ad_hours
    group by hour, placement
),

placement_hours as (
    select
        hour,
        placement,
        sum(impressions) as placement_impressions,
        sum(clicks)      as placement_clicks
    from ad_performance_hourly
    where hour >= {from:DateTime('UTC')}
      and hour < {to:DateTime('UTC')}
      and placement in (select placement from ad_hours)
    group by hour, placement
),

priors as (
    select
        ad_hours.hour                                 as hour,
        ad_hours.placement                            as placement,
        ad_hours.ad_id                                as ad_id,
        ad_hours.impressions                          as impressions,
        ad_hours.clicks                               as clicks,
        least(ad_hours.clicks, ad_hours.impressions)  as ad_clicks_capped,
        campaign_hours.campaign_impressions           as campaign_impressions,
        campaign_hours.campaign_clicks                as campaign_clicks,
        placement_hours.placement_impressions         as placement_impressions,
        least(placement_hours.placement_clicks, placement_hours.placement_impressions) as placement_clicks,
        multiIf(ad_hours.placement = 'feed', {base_ctr_feed:Float64},
                ad_hours.placement = 'search', {base_ctr_search:Float64},
                ad_hours.placement = 'sidebar', {base_ctr_sidebar:Float64},
                nan)                                  as base_ctr
    from ad_hours
    inner join campaign_hours
        on ad_hours.hour = campaign_hours.hour and ad_hours.placement = campaign_hours.placement
    inner join placement_hours
        on ad_hours.hour = placement_hours.hour and ad_hours.placement = placement_hours.placement
),

placement_level as (
    select
        *,
        ({placement_strength:Float64} * base_ctr + placement_clicks)
            / ({placement_strength:Float64} + placement_impressions) as placement_ctr
    from priors
),

campaign_level as (
    select
        *,
        ({campaign_strength:Float64} * placement_ctr + campaign_clicks)
            / ({campaign_strength:Float64} + campaign_impressions) as campaign_ctr
    from placement_level
)

select
    hour,
    ad_id,
    placement,
    impressions,
    clicks,
    if(impressions = 0, null, clicks / impressions) as raw_ctr,
    base_ctr,
    placement_ctr,
    campaign_ctr,
    ({ad_strength:Float64} * campaign_ctr + ad_clicks_capped) / ({ad_strength:Float64} + impressions) as smoothed_ctr
from campaign_level
order by hour, ad_id, placement
