-- Rolling totals per user over the windows ${windows}, as of each minute end at which one of them
-- changed: a tile closed, or one slid out of a window. The generic operator rolling_tiles (java/) keeps
-- each user's minute tiles and a running sum per window, O(1) per event, so a value is right as of the
-- pipeline's event-time progress even when the user did nothing: a window empties as events leave it.
-- Each row: user_id, as_of_ms, <metric>_<window> covering [as_of_ms - window, as_of_ms), rowtime.
-- In a bounded run event time stops at ${until_ms} (the end of the minute of its newest event).
create temporary view profile_windows as
select *
from rolling_tiles(
    input => table user_window_measures partition by user_id,
    on_time => descriptor(rt),
    windows => '${windows}',
    until_ms => cast(${until_ms} as bigint),
    uid => 'profile_windows')
