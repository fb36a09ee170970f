-- Decayed category affinity per user and category, as of the end of each minute with a new signal.
-- Scores of one user compare across categories at any moment: decaying them all to a common "now"
-- multiplies every score by the same factor.
create temporary view profile_category_affinity as
select
    user_id,
    category,
    tile_end_ms as as_of_ms,
    sum(signals) over w as signals,
    sum(score) over w as score
from category_signal_minute
window w as (partition by user_id, category order by tile_time rows between unbounded preceding and current row)
