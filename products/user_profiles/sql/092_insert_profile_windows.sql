insert into sink_profile_windows
select user_id, window_name, as_of_ms, events, `views`, clicks, carts, engagements, orders, spend_minor from profile_window_1h
union all
select user_id, window_name, as_of_ms, events, `views`, clicks, carts, engagements, orders, spend_minor from profile_window_24h
union all
select user_id, window_name, as_of_ms, events, `views`, clicks, carts, engagements, orders, spend_minor from profile_window_7d
union all
select user_id, window_name, as_of_ms, events, `views`, clicks, carts, engagements, orders, spend_minor from profile_window_30d
