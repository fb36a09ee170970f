-- Ad x segment tiles in the (level, entity) shape of ad_minute; entity = 'ad_id|segment'.
create temporary view ad_segment_tiles as
select 'ad_segment' as level, concat(ad_id, '|', segment) as entity, tile_time, tile_end_ms,
       impressions, clicks, orphan_clicks, conversions, revenue_minor, spend_minor
from ad_segment_minute
where level = 'ad_segment'
