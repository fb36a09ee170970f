-- Records per user and minute: the tiles every rolling window is built from.
create temporary view user_minute_counts as
select user_id, window_start, window_end, count(*) as events
from table(tumble(table user_activity, descriptor(rt), interval '1' minute))
group by user_id, window_start, window_end
