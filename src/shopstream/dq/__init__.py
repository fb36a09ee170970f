"""Data quality: the expectation suites derived from the event contract and the output specifications,
run against what ClickHouse holds by ``shopstream dq check`` (``shopstream.dq.check``) with Great
Expectations, each run recorded in ``dq_runs``."""
