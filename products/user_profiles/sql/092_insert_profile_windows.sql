insert into sink_profile_windows
select user_id, as_of_ms, ${window_columns} from profile_windows
