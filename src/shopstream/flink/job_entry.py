"""The file a cluster runs for any shopstream job: ``flink run -py .../job_entry.py JOB``; an unbounded
run whose results ``shopstream load JOB`` delivers."""
from __future__ import annotations

import sys

from shopstream.flink.runner import main

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: job_entry.py JOB")
    main(sys.argv[1], sys.argv[2:])
