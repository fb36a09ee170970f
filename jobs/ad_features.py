"""Ad CTR features: impressions, clicks (orphans apart), conversions, revenue and spend per ad, campaign,
placement and ad x user segment over sliding windows; spend today per campaign; minute rows for analysts.

Reads `clickstream` and `orders` once. The user segment comes from the profile layer, included for its
views only (no profile outputs). Writes ad windows, campaign spend, ad performance minutes, dead letters
and late events to Kafka output topics, which the ad loader applies to Redis and ClickHouse.
SQL: sql/flink/staging/, sql/flink/user_profiles/ (views), sql/flink/ad_features/.
"""
from __future__ import annotations

from shopstream.flink.layers import JobSpec, Use, uses
from shopstream.flink.layers.ads import ADS
from shopstream.flink.layers.profiles import PROFILES
from shopstream.flink.layers.staging import STAGING

SPEC = JobSpec("ad_features", uses(STAGING, Use(PROFILES, outputs=False), ADS))

if __name__ == "__main__":
    from shopstream.flink.runner import main
    main(SPEC.name)
