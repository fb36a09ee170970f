"""Peers of the profile job for the benchmark: the same features computed without shopstream's runtime.

``java_sql``: the profile job's SQL layers on Flink with staging in pure SQL (no Python in the job).
``python_consumer``: a plain confluent-kafka consumer with dict state and Redis pipelines.
Both write the profile fields the benchmark reads (``layout``) to Redis.
"""
