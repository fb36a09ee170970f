insert into sink_profile_windows
select * from profile_window_1h
union all
select * from profile_window_24h
union all
select * from profile_window_7d
union all
select * from profile_window_30d
