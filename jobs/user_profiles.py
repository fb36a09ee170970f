"""User profiles: rolling-window behaviour, lifetime totals, context, category affinity and segment per user.

Reads `clickstream` and `orders` once; writes profile field groups, dead letters and late events to
Kafka output topics, which the profile loader applies to Redis and ClickHouse.
SQL: sql/flink/staging/ then sql/flink/user_profiles/.
"""
from __future__ import annotations

from shopstream.flink.layers import JobSpec, uses
from shopstream.flink.layers.profiles import PROFILES
from shopstream.flink.layers.staging import STAGING

# latency="low": the serving profiles are read online, so results go out sooner at some CPU per event
SPEC = JobSpec("user_profiles", uses(STAGING, PROFILES), latency="low")

if __name__ == "__main__":
    from shopstream.flink.runner import main
    main(SPEC.name)
