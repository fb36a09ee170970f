-- Decayed category affinity scores (append-only, one row per user, category and active minute).
create temporary table sink_profile_affinity (
    user_id string,
    category string,
    as_of_ms bigint,
    signals bigint,
    score double
) with (
    ${profile_affinity_sink}
)
