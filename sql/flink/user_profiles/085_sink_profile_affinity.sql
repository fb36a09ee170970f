-- Decayed category affinity scores (upserts keyed by user_id and category).
create temporary table sink_profile_affinity (
    user_id string,
    category string,
    signals bigint,
    score double,
    primary key (user_id, category) not enforced
) with (
    ${profile_affinity_sink}
)
