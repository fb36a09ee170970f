"""Every registered product in one job, from one read of the input topics (the deployment `make demo`
and the benchmarks run). Same outputs and loaders as each product's own job, with staging done once."""
from __future__ import annotations

from shopstream.flink.jobspec import JobSpec
from shopstream.registry import products

SPEC = JobSpec("engagement", tuple(p.name for p in products()))

if __name__ == "__main__":
    from shopstream.flink.runner import main
    main(SPEC.name)
