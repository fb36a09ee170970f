"""Loaders: deliver a job's output topics into Redis and ClickHouse, idempotently.

Flink writes results to Kafka with its checkpoint-aware sink (flushed at every checkpoint). A loader
reads them, applies each batch with versioned, idempotent writes, and commits its offsets only after
the writes succeeded. A crash anywhere re-delivers some rows, and re-applying them changes nothing.
A row that a sink cannot apply is kept as a dead letter and the loader goes on (``loop.py``).
"""
