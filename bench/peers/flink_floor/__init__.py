"""The floor peer: what Flink itself costs here to read the input topics and tile them, with no Python.

    python -m bench.peers.flink_floor [--bounded] --report FILE

A Java-only Flink SQL job (the SQL files of this folder): the clickstream and orders topics read with
Flink's own ``json`` format (user and event time only; event time guarded as in staging), a watermark
per partition, per-user one-minute counts (``tumble``), into a ``blackhole`` sink. No validation,
deduplication, windows or delivery: any shopstream job does at least this much, so its figures are a
floor for the profile job on the same events.

Bounded (the benchmark's max rate): the Kafka sources stop at the offsets that are the latest when they
start (``scan.bounded.mode = latest-offset``) and the job ends by itself, every window fired. The report
(JSON) holds ``started_at``, ``first_write_at`` (the job reached RUNNING, or was submitted if it ended
before that was seen: it has no output to observe, so the benchmark counts from there), ``finished_at``
and ``error``; ``running_marker(report)`` appears
when the job is running. Unbounded runs stop on SIGINT or SIGTERM. The peer has no serving output, so the
benchmark runs no half-rate phase for it.
"""
from __future__ import annotations

import argparse
import json
import signal
import time
from pathlib import Path

from shopstream.flink.environment import RunOptions
from shopstream.contract import DEFAULT_MAX_FUTURE_MS
from shopstream.flink.params import KAFKA_TS_MS, topic_of
from shopstream.flink.sqlfiles import render_dir, run_statements
from shopstream.settings import Settings

NAME = "flink_floor"
SQL_DIR = Path(__file__).resolve().parent
INPUT_EVENTS = ("clickstream", "orders")


def running_marker(report: Path) -> Path:
    """The file a peer creates once its job runs (the benchmark's first-write time for a blackhole peer)."""
    return report.with_name(report.name + ".running")


def source_options(settings: Settings, topic: str, group: str, bounded: bool) -> str:
    options = {
        "connector": "kafka",
        "topic": topic,
        "properties.bootstrap.servers": settings.kafka.bootstrap_servers,
        "properties.group.id": group,
        "properties.session.timeout.ms": str(settings.kafka.consumer_session_timeout_ms),
        "properties.fetch.max.wait.ms": str(settings.kafka.fetch_max_wait_ms),
        "scan.startup.mode": "earliest-offset",
        "format": "json",
        "json.ignore-parse-errors": "true",
        "json.fail-on-missing-field": "false",
    }
    if bounded:
        options["scan.bounded.mode"] = "latest-offset"
    return ",\n    ".join(f"'{k}' = '{v}'" for k, v in options.items())


def statements(settings: Settings, options: RunOptions) -> list[tuple[str, str]]:
    """``(file, statement)`` of the job, rendered from settings."""
    bounded = options.bounded_offsets is not None
    params = {"kafka_ts_ms": KAFKA_TS_MS, "max_future_ms": str(DEFAULT_MAX_FUTURE_MS),
              "watermark_delay": f"interval '{settings.events.watermark_delay_ms / 1000:.3f}' second"}
    variants = {"010_src_event": [{"event": event, "source": source_options(
        settings, topic_of(settings, event), options.source_group, bounded)} for event in INPUT_EVENTS]}
    return render_dir(SQL_DIR, params, variants)


def job_status(client) -> str:
    """The job's status; ``GONE`` once the local MiniCluster has shut down after the job ended."""
    try:
        return client.get_job_status().result().name
    except Exception:  # Py4J: "MiniCluster is not yet running or has already been shut down"
        return "GONE"


def run(settings: Settings, bounded: bool, report_path: Path) -> dict:
    """Run the job (to its end when bounded, else until interrupted); returns the report."""
    from shopstream.flink.environment import create_table_env

    report: dict = {"target": NAME, "started_at": time.time(), "first_write_at": None, "finished_at": None,
                    "error": None}
    # bounded_offsets={} marks the run bounded for flink_config (no source idle timeout); the Kafka
    # sources find their end offsets themselves
    options = RunOptions(job=NAME, bounded_offsets={} if bounded else None, run_id=str(int(time.time() * 1000)))
    t_env = create_table_env(settings, options)
    result = run_statements(t_env, statements(settings, options)).execute()
    submitted_at = time.time()
    client = result.get_job_client()
    try:
        status = job_status(client)
        while status not in ("RUNNING", "FINISHED", "FAILED", "CANCELED", "GONE"):
            time.sleep(0.02)
            status = job_status(client)
        # a job quicker than the polling ended before it was seen running: count from its submission
        report["first_write_at"] = time.time() if status == "RUNNING" else submitted_at
        report["first_write_is"] = "job running" if status == "RUNNING" else "job submitted"
        running_marker(report_path).touch()
        if bounded:
            result.wait()
        else:
            while job_status(client) == "RUNNING":
                time.sleep(0.5)
            result.wait()
    except KeyboardInterrupt:
        client.cancel().result()
    report["finished_at"] = time.time()
    return report


def main(argv: list[str] | None = None) -> None:
    from shopstream.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m bench.peers.flink_floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bounded", action="store_true")
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    started = time.time()
    try:
        report = run(load_settings(), args.bounded, args.report)
    except Exception as exc:  # reported to the benchmark, which carries on with the other targets
        report = {"target": NAME, "started_at": started, "first_write_at": None, "finished_at": time.time(),
                  "error": f"{type(exc).__name__}: {exc}"}
    args.report.write_text(json.dumps(report, indent=2))
    if report["error"]:
        raise SystemExit(report["error"])
