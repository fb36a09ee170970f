-- History of rolling-window totals: one row per user, window and active minute (as_of_ms is the end of
-- that minute, epoch ms). Keyed by (user_id, window_name, as_of_ms): a replay rewrites identical rows.
create table if not exists ${database}.user_profile_windows
(
    user_id     String                  comment 'user',
    window_name LowCardinality(String)  comment '1h, 24h, 7d or 30d',
    as_of_ms    Int64                   comment 'window end, epoch ms: totals cover [as_of_ms - window, as_of_ms)',
    events      Int64                   comment 'clickstream and order events',
    views       Int64                   comment 'page, product and content views',
    clicks      Int64                   comment 'ad and affiliate clicks',
    carts       Int64                   comment 'add-to-cart events',
    engagements Int64                   comment 'likes, comments and shares',
    orders      Int64                   comment 'orders placed',
    spend_minor Int64                   comment 'net spend in reporting-currency minor units (placed - cancelled - returned)'
)
engine = ReplacingMergeTree
order by (user_id, window_name, as_of_ms);
