-- Ad clicks joined to the impression they repeat the impression_id of, within a bounded interval
-- (from ${click_join_lookback} before the click to ${click_join_lookahead} after it). A click whose
-- impression never arrives in that interval is an orphan: emitted once the watermark has passed the
-- interval, counted apart and never billed. impression_id is unique per impression.
create temporary view ad_clicks as
select
    c.event_id,
    c.user_id,
    c.ad_id,
    c.campaign_id,
    c.placement,
    c.device,
    c.country,
    c.ts,
    c.rt,
    i.event_id is null as is_orphan
from (select * from clickstream_events where event_type = 'ad_click') as c
left join ad_impressions as i
    on c.impression_id = i.impression_id
   and i.rt between c.rt - ${click_join_lookback} and c.rt + ${click_join_lookahead}
