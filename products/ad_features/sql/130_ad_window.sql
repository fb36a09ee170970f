-- Sliding ${window} totals per (level, entity) of ${tiles}, as of the end of each minute in which the
-- entity had a fact: the sum of its tiles in [as_of - ${window}, as_of). The window slides every
-- active minute. Rendered once per window and tile stream: ad_window_<branch>_<window>.
create temporary view ad_window_${branch}_${window} as
select
    level,
    entity,
    '${window}' as window_name,
    tile_end_ms as as_of_ms,
    sum(impressions) over w as impressions,
    sum(clicks) over w as clicks,
    sum(orphan_clicks) over w as orphan_clicks,
    sum(conversions) over w as conversions,
    sum(revenue_minor) over w as revenue_minor,
    sum(spend_minor) over w as spend_minor
from ${tiles}
window w as (partition by level, entity order by tile_time
             range between interval '${window_preceding}' day to minute preceding and current row)
