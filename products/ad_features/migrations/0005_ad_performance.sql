-- Ad performance for advertisers and analysts: one row per ad, placement, audience slice and minute,
-- with hourly and daily rollups fed by materialized views. Amounts are US cents (reporting currency).
--
-- Replays: the ad-CTR loader writes ad_performance_minute only through
-- shopstream.clickhouse.append_once.insert_absent, which inserts only rows whose key is not in the table
-- yet (one loader per table). A replayed minute row therefore never reaches the views a second time, and
-- the summed rollups stay exact. The minute table is a ReplacingMergeTree all the same, so a row written
-- around that guard (by hand, by a second loader) is still kept once there. Never insert into the rollups
-- directly, and write the minute table with insert_absent only.
create table if not exists ${database}.ad_performance_minute
(
    minute        DateTime('UTC')         comment 'start of the event-time minute (UTC)',
    ad_id         LowCardinality(String)  comment 'ad creative (schemas/reference/campaigns.yaml)',
    campaign_id   LowCardinality(String)  comment 'campaign the ad belongs to',
    placement     LowCardinality(String)  comment 'where the ad was shown: feed, search or sidebar',
    segment       LowCardinality(String)  comment 'lifecycle segment of the viewer (README, Serving)',
    country       LowCardinality(String)  comment 'country of the viewer',
    device        LowCardinality(String)  comment 'device of the viewer',
    impressions   UInt64                  comment 'ad impressions',
    clicks        UInt64                  comment 'clicks on an impression counted in this table',
    orphan_clicks UInt64                  comment 'clicks whose impression was never seen (not in CTR)',
    conversions   UInt64                  comment 'orders attributed to a click on the ad',
    revenue_minor Int64                   comment 'revenue of those orders, US cents',
    spend_minor   Int64                   comment 'cost of the clicks to the advertiser, US cents'
)
engine = ReplacingMergeTree
partition by toYYYYMM(minute)
order by (campaign_id, ad_id, placement, segment, country, device, minute);

-- Hourly rollup. SummingMergeTree merges rows of one key by adding the measures, but only eventually:
-- always read it with sum() and group by.
create table if not exists ${database}.ad_performance_hourly
(
    hour          DateTime('UTC')         comment 'start of the UTC hour',
    ad_id         LowCardinality(String)  comment 'ad creative',
    campaign_id   LowCardinality(String)  comment 'campaign the ad belongs to',
    placement     LowCardinality(String)  comment 'feed, search or sidebar',
    segment       LowCardinality(String)  comment 'lifecycle segment of the viewer',
    country       LowCardinality(String)  comment 'country of the viewer',
    device        LowCardinality(String)  comment 'device of the viewer',
    impressions   UInt64                  comment 'ad impressions',
    clicks        UInt64                  comment 'clicks on a seen impression',
    orphan_clicks UInt64                  comment 'clicks whose impression was never seen',
    conversions   UInt64                  comment 'orders attributed to a click on the ad',
    revenue_minor Int64                   comment 'revenue of those orders, US cents',
    spend_minor   Int64                   comment 'cost of the clicks, US cents'
)
engine = SummingMergeTree
partition by toYYYYMM(hour)
order by (campaign_id, ad_id, placement, segment, country, device, hour);

-- Feeds the hourly rollup with each block inserted into the minute table (never replayed: see the top).
create materialized view if not exists ${database}.ad_performance_hourly_mv
to ${database}.ad_performance_hourly
as
select
    toStartOfHour(minute) as hour,
    ad_id,
    campaign_id,
    placement,
    segment,
    country,
    device,
    sum(impressions)   as impressions,
    sum(clicks)        as clicks,
    sum(orphan_clicks) as orphan_clicks,
    sum(conversions)   as conversions,
    sum(revenue_minor) as revenue_minor,
    sum(spend_minor)   as spend_minor
from ${database}.ad_performance_minute
group by hour, ad_id, campaign_id, placement, segment, country, device;

-- Daily rollup, read with sum() and group by like the hourly one.
create table if not exists ${database}.ad_performance_daily
(
    day           Date                    comment 'UTC day',
    ad_id         LowCardinality(String)  comment 'ad creative',
    campaign_id   LowCardinality(String)  comment 'campaign the ad belongs to',
    placement     LowCardinality(String)  comment 'feed, search or sidebar',
    segment       LowCardinality(String)  comment 'lifecycle segment of the viewer',
    country       LowCardinality(String)  comment 'country of the viewer',
    device        LowCardinality(String)  comment 'device of the viewer',
    impressions   UInt64                  comment 'ad impressions',
    clicks        UInt64                  comment 'clicks on a seen impression',
    orphan_clicks UInt64                  comment 'clicks whose impression was never seen',
    conversions   UInt64                  comment 'orders attributed to a click on the ad',
    revenue_minor Int64                   comment 'revenue of those orders, US cents',
    spend_minor   Int64                   comment 'cost of the clicks, US cents'
)
engine = SummingMergeTree
partition by toYYYYMM(day)
order by (campaign_id, ad_id, placement, segment, country, device, day);

-- Feeds the daily rollup from the minute table, like the hourly view.
create materialized view if not exists ${database}.ad_performance_daily_mv
to ${database}.ad_performance_daily
as
select
    toDate(minute) as day,
    ad_id,
    campaign_id,
    placement,
    segment,
    country,
    device,
    sum(impressions)   as impressions,
    sum(clicks)        as clicks,
    sum(orphan_clicks) as orphan_clicks,
    sum(conversions)   as conversions,
    sum(revenue_minor) as revenue_minor,
    sum(spend_minor)   as spend_minor
from ${database}.ad_performance_minute
group by day, ad_id, campaign_id, placement, segment, country, device;
