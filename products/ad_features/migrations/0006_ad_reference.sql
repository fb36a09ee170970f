-- Reference data for analysts, loaded from schemas/reference/campaigns.yaml by `shopstream migrate`
-- (shopstream.clickhouse.reference_tables). Query with FINAL: the newest reference_version wins, and
-- of rows with the same version the last loaded (the loader writes a row only when it changed).
create table if not exists ${database}.ad_campaigns
(
    campaign_id        String                  comment 'campaign id (clickstream.campaign_id)',
    advertiser         LowCardinality(String)  comment 'brand paying for the campaign',
    placement          LowCardinality(String)  comment 'placement the campaign buys: feed, search or sidebar',
    daily_budget_minor Int64                   comment 'daily spend cap, US cents',
    reference_version  UInt32                  comment 'version of the reference file the row comes from'
)
engine = ReplacingMergeTree(reference_version)
order by campaign_id;

create table if not exists ${database}.ad_ads
(
    ad_id             String                  comment 'ad id (clickstream.ad_id)',
    campaign_id       String                  comment 'campaign of the ad',
    product_id        String                  comment 'product the ad advertises',
    bid_minor         Int64                   comment 'cost-per-click bid, US cents',
    reference_version UInt32                  comment 'version of the reference file the row comes from'
)
engine = ReplacingMergeTree(reference_version)
order by ad_id;
