"""Run a job: on a local MiniCluster (`shopstream run`) or inside `flink run` on a cluster (`submit`).

A run is either unbounded (follows the topics until stopped) or bounded (reads up to the end offsets
found at its start, then finishes and fires every window). ``resume`` restores the newest retained
checkpoint and, for a bounded run, the same end offsets, so a crashed run completes as if it had not.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import threading
import time
from dataclasses import dataclass

from shopstream.broker import end_offsets, ensure_topics
from shopstream.flink.checkpoints import (job_checkpoint_dir, latest_checkpoint, read_run_manifest,
                                          write_run_manifest)
from shopstream.flink.environment import RunOptions, create_table_env
from shopstream.flink.jobspec import JobSpec
from shopstream.settings import Settings, load_settings

log = logging.getLogger("shopstream.run")


DRAIN_RETRY_S = 120


class JobError(RuntimeError):
    pass


def job_modules() -> list[str]:
    """The job modules of ``jobs/`` (``shopstream.jobs``)."""
    import pkgutil

    from shopstream import jobs
    return sorted(m.name for m in pkgutil.iter_modules(jobs.__path__) if not m.name.startswith("_"))


def available_jobs() -> list[str]:
    """Every job module, and every registered product as a job of its own (it and the views it requires)."""
    from shopstream.registry import products
    return sorted(set(job_modules()) | {p.name for p in products()})


def load_job(name: str) -> JobSpec:
    if name in job_modules():
        return importlib.import_module(f"shopstream.jobs.{name}").SPEC
    from shopstream.registry import products
    for p in products():
        if p.name == name:
            return JobSpec(p.name, (p.name,), latency=p.latency)
    raise JobError(f"unknown job {name!r}; jobs: {', '.join(available_jobs())}")


def _topic_names(settings: Settings, keys) -> list[str]:
    return [getattr(settings.topics, k) for k in keys]


def input_end_ms(settings: Settings, ends: dict[str, dict[int, int]]) -> int | None:
    """The end of the minute of the newest event time (the jobs' rule) among the records up to ``ends``."""
    from shopstream.broker import scan
    from shopstream.event_time import event_time_ms, minute_end_ms
    newest = None
    for topic, parts in ends.items():
        for _p, _o, kafka_ts, value in scan(settings.kafka.bootstrap_servers, topic, parts):
            t = event_time_ms(value, kafka_ts)
            newest = t if newest is None or t > newest else newest
    return None if newest is None else minute_end_ms(newest)


def plan_options(settings: Settings, job: JobSpec, *, bounded: bool, resume: bool) -> RunOptions:
    """Options of this run; writes the run manifest that a later ``--resume`` reads."""
    name = job.name
    if resume:
        manifest = read_run_manifest(settings, name)
        checkpoint = latest_checkpoint(settings, name)
        if manifest is None or checkpoint is None:
            raise JobError(f"nothing to resume for {name}: no retained checkpoint under "
                           f"{settings.path(settings.flink.checkpoint_dir) / name}. Run without --resume.")
        offsets = manifest.get("bounded_offsets")
        bounded_offsets = ({t: {int(p): o for p, o in parts.items()} for t, parts in offsets.items()}
                           if offsets else None)
        return RunOptions(job=name, bounded_offsets=bounded_offsets, resume_from=checkpoint,
                          run_id=str(manifest["run_id"]), low_latency=job.latency == "low",
                          input_end_ms=manifest.get("input_end_ms"))
    _discard_old_checkpoints(settings, name)
    bounded_offsets, input_end = None, None
    if bounded:
        bounded_offsets = {t: end_offsets(settings.kafka.bootstrap_servers, t)
                           for t in _topic_names(settings, job.input_topics)}
        input_end = input_end_ms(settings, bounded_offsets)
    run_id = str(int(time.time() * 1000))
    write_run_manifest(settings, name, {"bounded_offsets": bounded_offsets, "run_id": run_id,
                                        "input_end_ms": input_end, "job_version": settings.job_version})
    return RunOptions(job=name, bounded_offsets=bounded_offsets, run_id=run_id, low_latency=job.latency == "low",
                      input_end_ms=input_end)


def _discard_old_checkpoints(settings: Settings, name: str) -> None:
    """A fresh run starts over, so checkpoints of earlier runs must never be resumed after it."""
    import shutil
    root = job_checkpoint_dir(settings, name)
    if root.exists():
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)


@dataclass
class RunSummary:
    job: str
    bounded: bool
    resumed_from: str | None
    loaded_records: int
    seconds: float


def run_local(settings: Settings, name: str, *, bounded: bool = False, resume: bool = False,
              with_loader: bool = True, progress=None) -> RunSummary:
    """Run ``name`` on a local MiniCluster with its loader beside it."""
    job = load_job(name)
    ensure_topics(settings)
    options = plan_options(settings, job, bounded=bounded, resume=resume)
    started = time.monotonic()
    t_env = create_table_env(settings, options)
    statements = job.build(t_env, settings, options)
    stop = threading.Event()
    outputs_done: dict = {}
    loaded = {"n": 0}
    loader_error: list[BaseException] = []
    loader_thread = None
    # Submit before the loader thread exists: py4j's finalizers run in whichever thread collects a JavaObject
    # and open a second gateway connection (a second Java thread); planning that then lands on a thread
    # without Calcite's thread-local metadata provider fails with "NullPointerException: metadataHandlerProvider".
    result = statements.execute()
    if with_loader:
        def _load():
            try:
                loaded["n"] = run_job_loader(settings, job, stop=stop, until=lambda: outputs_done.get("ends"),
                                             progress=progress)
            except BaseException as exc:  # surfaced in the main thread below
                loader_error.append(exc)
                stop.set()
        loader_thread = threading.Thread(target=_load, name=f"loader-{name}", daemon=True)
        loader_thread.start()
    try:
        if options.bounded_offsets is not None:
            _drain_when_consumed(settings, options, result.get_job_client(), stop)
            _wait(result, name)
            outputs_done["ends"] = {t: end_offsets(settings.kafka.bootstrap_servers, t)
                                    for t in _topic_names(settings, job.output_topics)}
        else:
            while not stop.is_set() and not _job_ended(result.get_job_client()):
                time.sleep(1.0)
            if not stop.is_set():
                _wait(result, name)  # raises the job's failure
    except KeyboardInterrupt:
        log.info("stopping %s", name)
        result.get_job_client().cancel()
        stop.set()
    if loader_thread is not None:
        loader_thread.join()
    if loader_error:
        raise JobError(f"loader of {name} failed: {loader_error[0]}") from loader_error[0]
    return RunSummary(name, options.bounded_offsets is not None,
                      str(options.resume_from) if options.resume_from else None, loaded["n"],
                      time.monotonic() - started)


def _wait(result, name: str) -> None:
    """Wait for the job; a failure becomes a JobError naming its root cause and the Flink log."""
    try:
        result.wait()
    except Exception as exc:  # Py4J wraps every Java failure
        causes = [ln.strip() for ln in str(exc).splitlines() if ln.strip().startswith("Caused by:")]
        root = causes[-1] if causes else str(exc).splitlines()[0]
        raise JobError(f"job {name} failed: {root}. The Flink log is under the pyflink installation's "
                       "log/ folder (local runs) or the cluster's log folder.") from exc


def _job_ended(job_client) -> bool:
    return job_client.get_job_status().result().is_globally_terminal_state()


def _drain_when_consumed(settings: Settings, options: RunOptions, job_client, stop: threading.Event) -> None:
    """Stop the job with a drain (MAX watermark: every window fires) once its sources have committed
    the end offsets at a completed checkpoint.

    Bounded runs read unbounded sources and stop this way, rather than with the Kafka source's own
    bounded mode, because a bounded Kafka source restored from a checkpoint never reports its end.
    """
    from confluent_kafka import Consumer, TopicPartition

    ends = options.bounded_offsets or {}
    consumer = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": options.source_group,
                         "enable.auto.commit": False})
    tps = [TopicPartition(t, p) for t, parts in ends.items() for p in parts]
    try:
        while not stop.is_set():
            if _job_ended(job_client):
                return  # nothing to drain: the caller's wait() reports how it ended
            committed = {(tp.topic, tp.partition): max(tp.offset, 0) for tp in consumer.committed(tps, timeout=10)}
            if all(committed[(t, p)] >= o for t, parts in ends.items() for p, o in parts.items()):
                break
            time.sleep(1.0)
    finally:
        consumer.close()
    savepoints = job_checkpoint_dir(settings, options.job) / "savepoints"
    from pyflink.java_gateway import get_gateway
    # PyFlink's JobClient.stop_with_savepoint predates the format argument of the Java method.
    canonical = get_gateway().jvm.org.apache.flink.core.execution.SavepointFormatType.CANONICAL
    # A resumed job can have committed the end offsets already (before the crash) while its tasks are still
    # starting; the savepoint is refused then ("not all required tasks are currently running"): try again.
    deadline = time.monotonic() + DRAIN_RETRY_S
    while True:
        try:
            job_client._j_job_client.stopWithSavepoint(True, savepoints.resolve().as_uri(), canonical).get()
            return
        except Exception as exc:  # Py4J wraps the Java failure
            if _job_ended(job_client) or time.monotonic() > deadline or "are currently running" not in str(exc):
                raise
            log.info("the drain's savepoint was refused while tasks start; trying again")
            time.sleep(1.0)


def run_job_loader(settings: Settings, job: JobSpec, *, stop=None, until=None, progress=None) -> int:
    from shopstream.clickhouse.client import connect as ch_connect
    from shopstream.loader.dead_letters import LoaderDeadLetters
    from shopstream.loader.loop import run_loader
    from shopstream.serving.redis_client import connect as redis_connect

    ch = ch_connect(settings, "writer")
    sinks = job.loaders(settings, redis_connect(settings, "writer"), ch)
    return run_loader(settings, f"shopstream-loader-{job.name}", sinks, job=job.name,
                      dead_letters=LoaderDeadLetters(job.name, lambda: ch), until=until, stop=stop,
                      batch_rows=settings.clickhouse.insert_batch_rows, progress=progress)


def main(name: str, argv: list[str] | None = None) -> None:
    """Entry point of a job file under `flink run -py jobs/<name>.py` on a cluster: an unbounded run whose
    results `shopstream load <name>` delivers."""
    argparse.ArgumentParser(prog=f"shopstream.jobs.{name}", description=main.__doc__).parse_args(argv)
    settings = load_settings()
    job = load_job(name)
    ensure_topics(settings)
    options = dataclasses.replace(plan_options(settings, job, bounded=False, resume=False), ship_jars=False)
    t_env = create_table_env(settings, options)
    job.build(t_env, settings, options).execute()
