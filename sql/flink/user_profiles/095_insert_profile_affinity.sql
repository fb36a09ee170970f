insert into sink_profile_affinity
select user_id, category, signals, score
from profile_category_affinity
