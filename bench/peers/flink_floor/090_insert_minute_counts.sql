insert into sink_user_minute_counts
select user_id, window_start, window_end, events from user_minute_counts
