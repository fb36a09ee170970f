-- What the rolling windows count, one row per countable thing a user did (rolling_tiles sums every
-- integer column of its input besides the key).
create temporary view user_window_measures as
select user_id, rt, events, `views`, clicks, carts, engagements, orders, spend_minor
from user_activity
