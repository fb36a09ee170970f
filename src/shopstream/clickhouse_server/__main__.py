"""``python -m shopstream.clickhouse_server``: run the ClickHouse HTTP endpoint."""
from .cli import main

raise SystemExit(main())
