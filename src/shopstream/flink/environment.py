"""A configured TableEnvironment for a shopstream job: jars, parallelism, checkpoints, state, mini-batch."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from shopstream.flink.installation import pipeline_jars, python_worker_path
from shopstream.settings import Settings


@dataclass(frozen=True)
class RunOptions:
    """How one run of a job is executed (not what it computes)."""

    job: str
    bounded_offsets: dict[str, dict[int, int]] | None = None  # topic -> partition -> offset where a bounded run stops
    # a bounded run: the end (epoch ms) of the minute of the newest event time in its input. Event time
    # stops there: the values it leaves are as of the end of its input, not of the drain's +infinity.
    input_end_ms: int | None = None
    resume_from: Path | None = None
    parallelism: int | None = None
    run_id: str = "0"  # names the source consumer group, so each fresh run tracks its own progress
    ship_jars: bool = True  # False on a cluster, whose lib/ already holds the connector
    low_latency: bool = False  # the job declared latency="low": the flink.low_latency_* settings apply

    @property
    def source_group(self) -> str:
        return f"shopstream-{self.job}-{self.run_id}"


def flink_config(settings: Settings, options: RunOptions) -> dict[str, str]:
    """Every Flink option a shopstream job sets, as strings (shown by `shopstream run --explain`)."""
    f = settings.flink
    chk_dir = settings.path(f.checkpoint_dir) / options.job
    conf = {
        "pipeline.name": f"shopstream-{options.job}",
        "parallelism.default": str(options.parallelism or f.parallelism),
        "execution.checkpointing.interval": f"{f.checkpoint_interval_ms} ms",
        "execution.buffer-timeout.interval":
            f"{f.low_latency_buffer_timeout_ms if options.low_latency else f.buffer_timeout_ms} ms",
        "pipeline.auto-watermark-interval":
            f"{f.low_latency_watermark_interval_ms if options.low_latency else f.watermark_interval_ms} ms",
        "execution.checkpointing.mode": "EXACTLY_ONCE",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": "3",
        "execution.checkpointing.dir": chk_dir.resolve().as_uri(),
        "state.backend.type": f.state_backend,
        "execution.checkpointing.incremental": str(f.incremental_checkpoints).lower(),
        # A partition without records for idle_ms stops holding the watermark back. In a bounded run a
        # source that is merely slow (backpressure) would then see its records dropped as late by the
        # window operators (measured: 11 of 1,880 profiles short of events), so bounded runs never mark
        # a partition idle: an empty one only delays windows until the final drain fires them all.
        "table.exec.source.idle-timeout": ("0 ms" if options.bounded_offsets is not None
                                           else f"{settings.events.idle_ms} ms"),
        # Mini-batching marks its batches with processing-time watermarks, which CURRENT_WATERMARK would
        # then report; every aggregation here is windowed on event time, so it gains nothing anyway.
        "table.exec.mini-batch.enabled": "false",
        "table.exec.sink.upsert-materialize": "NONE",
        "table.local-time-zone": "UTC",
        "python.execution-mode": f.python_execution_mode,
        # thread mode embeds the base interpreter, which must be told where the venv's packages are
        "python.pythonpath": python_worker_path(sys.executable),
        "python.executable": sys.executable,
        "python.client.executable": sys.executable,
        "python.fn-execution.bundle.size": str(f.bundle_size),
        "restart-strategy.type": "none",
        # Every window aggregation buffers in managed memory; the local MiniCluster's default (128 MB
        # over all slots) is too little for a job with all products (tasks fail with a null segment).
        "taskmanager.memory.managed.size": f.managed_memory,
    }
    if options.ship_jars:
        conf["pipeline.jars"] = ";".join(j.resolve().as_uri() for j in pipeline_jars(settings))
    if options.resume_from is not None:
        conf["execution.state-recovery.path"] = options.resume_from.resolve().as_uri()
    return conf


def create_table_env(settings: Settings, options: RunOptions):
    """A streaming TableEnvironment configured for ``options.job``."""
    from pyflink.common import Configuration
    from pyflink.table import EnvironmentSettings, TableEnvironment

    options_conf = flink_config(settings, options)
    # pipeline.jars must be known when the environment is created: its user class loader, which
    # `create function ... language java` loads classes with, is built from it then (set later, the jars
    # reach only connector discovery).
    initial = Configuration()
    for key, value in options_conf.items():
        initial.set_string(key, value)
    t_env = TableEnvironment.create(
        EnvironmentSettings.new_instance().in_streaming_mode().with_configuration(initial).build())
    conf = t_env.get_config()
    for key, value in options_conf.items():
        conf.set(key, value)
    return t_env
