"""``python -m shopstream.flink.cluster ...``: see ``cli.main``."""
import sys

from shopstream.flink.cluster.cli import main

sys.exit(main())
