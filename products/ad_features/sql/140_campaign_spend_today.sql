-- Spend and clicks of each campaign so far in the UTC day, as of the end of each minute with a fact
-- of the campaign; budget pacing is derived from it by the loader (shopstream.ads.pacing).
create temporary view campaign_spend_today as
select
    entity as campaign_id,
    day_start_ms,
    tile_end_ms as as_of_ms,
    sum(spend_minor) over w as spend_today_minor,
    sum(clicks) over w as clicks_today
from (
    select *, (tile_end_ms - 60000) - mod(tile_end_ms - 60000, 86400000) as day_start_ms
    from ad_minute
    where level = 'campaign'
)
window w as (partition by entity, day_start_ms order by tile_time rows between unbounded preceding and current row)
