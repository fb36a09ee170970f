"""Every product in one job: user profiles and ad CTR features from one read of `clickstream` and
`orders` (the deployment the benchmarks and `make demo` use). Same outputs and loaders as the jobs
`user_profiles` and `ad_features` together, with staging done once."""
from __future__ import annotations

from shopstream.flink.layers import JobSpec, uses
from shopstream.flink.layers.ads import ADS
from shopstream.flink.layers.profiles import PROFILES
from shopstream.flink.layers.staging import STAGING

SPEC = JobSpec("engagement", uses(STAGING, PROFILES, ADS))

if __name__ == "__main__":
    from shopstream.flink.runner import main
    main(SPEC.name)
