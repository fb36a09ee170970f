insert into sink_ad_windows
${ad_window_union}
