insert into sink_profile_affinity
select user_id, category, as_of_ms, signals, score
from profile_category_affinity
