-- Budget pacing per campaign and day: spend so far against the spend expected by that time of day.
--
-- As shopstream.ads.pacing: expected_spend = daily budget x share of the day's ad traffic passed by
-- as_of, from the hourly curve DEFAULT_HOURLY_TRAFFIC (linear within the hour); pace = spend /
-- expected. One row per campaign of ad_campaigns and UTC day meeting [from, to); a day is measured up
-- to as_of = the end of the day, or `to` when that comes first (the day still running). Spend is summed
-- from ad_performance_hourly for the whole hours before as_of and from ad_performance_minute for the
-- minutes of the hour as_of falls in. Amounts are US cents.
--
-- Parameters:
--   {from:DateTime('UTC')}     first day: the UTC day holding this time, e.g. 2026-09-21 00:00:00
--   {to:DateTime('UTC')}       end of the range, UTC, exclusive: "now" for a day still running
--   {tolerance:Float64} = 0.1  over pace when pace > 1 + tolerance
--
-- Columns:
--   day                   UTC day
--   campaign_id           the campaign
--   advertiser            brand paying for it
--   daily_budget_minor    daily spend cap, US cents (ad_campaigns)
--   as_of                 the time the day is measured at
--   spend_minor           spend of the day before as_of, US cents
--   share_of_day          share of a day's ad traffic passed by as_of (1 for a whole day)
--   expected_spend_minor  daily_budget_minor x share_of_day
--   pace                  spend_minor / expected_spend_minor (NULL before any spend is expected)
--   budget_used           spend_minor / daily_budget_minor (NULL for a zero budget)
--   over_pace             1 when the budget is spent, or pace > 1 + tolerance, or spend comes before any is expected
with
    -- shopstream.ads.pacing.DEFAULT_HOURLY_TRAFFIC: share of a day's ad traffic in each UTC hour
    [0.015, 0.01, 0.008, 0.007, 0.008, 0.012, 0.02, 0.032, 0.043, 0.05, 0.054, 0.057,
     0.058, 0.057, 0.055, 0.054, 0.055, 0.058, 0.062, 0.066, 0.066, 0.06, 0.045, 0.048] as hourly_traffic,

days as (
    select
        addDays(toDate({from:DateTime('UTC')}), number)  as day,
        toDateTime(day, 'UTC')                           as day_start,
        least(day_start + 86400, {to:DateTime('UTC')})   as as_of
    from numbers(toUInt64(greatest(0,
        dateDiff('day', toDate({from:DateTime('UTC')}), toDate({to:DateTime('UTC')} - 1)) + 1)))
),

whole_hours as (
    select days.day as day, hourly.campaign_id as campaign_id, sum(hourly.spend_minor) as spend_minor
    from ad_performance_hourly as hourly
    inner join days on toDate(hourly.hour) = days.day
    where hourly.hour >= toStartOfDay({from:DateTime('UTC')})
      and hourly.hour < {to:DateTime('UTC')}
      and hourly.hour + 3600 <= days.as_of
    group by day, campaign_id
),

current_hour as (
    select days.day as day, minutes.campaign_id as campaign_id, sum(minutes.spend_minor) as spend_minor
    from ad_performance_minute as minutes final
    inner join days on toDate(minutes.minute) = days.day
    where minutes.minute >= toStartOfDay({from:DateTime('UTC')})
      and minutes.minute < {to:DateTime('UTC')}
      and minutes.minute >= toStartOfHour(days.as_of)
      and minutes.minute < days.as_of
    group by day, campaign_id
),

spend as (
    select day, campaign_id, sum(spend_minor) as spend_minor
    from (
        select day, campaign_id, spend_minor from whole_hours
        union all
        select day, campaign_id, spend_minor from current_hour
    )
    group by day, campaign_id
),

campaigns as (
    select campaign_id, advertiser, daily_budget_minor
    from ad_campaigns final
),

measured as (
    select
        days.day                                   as day,
        campaigns.campaign_id                      as campaign_id,
        campaigns.advertiser                       as advertiser,
        campaigns.daily_budget_minor               as daily_budget_minor,
        days.as_of                                 as as_of,
        toInt64(coalesce(spend.spend_minor, 0))    as spend_minor,
        if(days.as_of >= days.day_start + 86400, 1.0,
           arraySum(arraySlice(hourly_traffic, 1, toHour(days.as_of)))
             + hourly_traffic[toHour(days.as_of) + 1]
               * (toUnixTimestamp(days.as_of) - toUnixTimestamp(toStartOfHour(days.as_of))) / 3600)
                                                   as share_of_day
    from days
    cross join campaigns
    left join spend on spend.day = days.day and spend.campaign_id = campaigns.campaign_id
)

select
    day,
    campaign_id,
    advertiser,
    daily_budget_minor,
    as_of,
    spend_minor,
    share_of_day,
    daily_budget_minor * share_of_day                                     as expected_spend_minor,
    if(expected_spend_minor > 0, spend_minor / expected_spend_minor, null) as pace,
    if(daily_budget_minor = 0, null, spend_minor / daily_budget_minor)    as budget_used,
    toUInt8(multiIf(spend_minor >= daily_budget_minor, 1,
                    expected_spend_minor <= 0, spend_minor > 0,
                    pace > 1 + {tolerance:Float64}))                      as over_pace
from measured
order by day, campaign_id
