"""Run one Flink benchmark target exactly as `shopstream run` does, and report when things happened.

    python -m bench.drive (--job NAME | --peer java_sql) [--bounded] --report FILE

The target runs on a local MiniCluster with its loader (``shopstream.flink.runner.run_local``); the
report (JSON) holds wall-clock times (epoch seconds) of the start, the first loaded batch and the end
(after the loader's last write), the number of output records loaded and, per ClickHouse table, the rows
inserted and the seconds spent inside the client's ``insert`` calls. Unbounded runs stop on SIGINT or
SIGTERM, as `shopstream run` does on Ctrl-C.
"""
from __future__ import annotations

import argparse
import json
import signal
import tempfile
import threading
import time
from pathlib import Path


class InsertCounters:
    """Rows and seconds of ClickHouse inserts, per table (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.tables: dict[str, dict] = {}

    def add(self, table: str, rows: int, seconds: float) -> None:
        with self._lock:
            t = self.tables.setdefault(table, {"rows": 0, "seconds": 0.0, "calls": 0})
            t["rows"] += rows
            t["seconds"] += seconds
            t["calls"] += 1


class TimedInserts:
    """A ClickHouse client whose ``insert`` calls are counted and timed; everything else passes through."""

    def __init__(self, client, counters: InsertCounters):
        self._client = client
        self._counters = counters

    def insert(self, table, data=None, *args, **kwargs):
        started = time.perf_counter()
        result = self._client.insert(table, data, *args, **kwargs)
        rows = len(data) if hasattr(data, "__len__") else getattr(result, "written_rows", 0)
        self._counters.add(str(table), int(rows), time.perf_counter() - started)
        return result

    def __getattr__(self, name):
        return getattr(self._client, name)


def count_clickhouse_inserts(counters: InsertCounters) -> None:
    """Make the loaders' ClickHouse clients (built by ``shopstream.clickhouse.client.connect`` when the run
    starts its loader) count their inserts."""
    from shopstream.clickhouse import client as ch_client

    connect = ch_client.connect

    def timed_connect(*args, **kwargs):
        return TimedInserts(connect(*args, **kwargs), counters)

    ch_client.connect = timed_connect


def resolve_peer(spec) -> None:
    """``run_local`` finds a job by name under jobs/; a peer is not a shopstream job, so its name is made
    to resolve to its JobSpec in this process."""
    from shopstream.flink import runner

    load_job = runner.load_job
    runner.load_job = lambda name: spec if name == spec.name else load_job(name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.drive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--job", help="a shopstream job (jobs/<name>.py)")
    which.add_argument("--peer", choices=["java_sql"], help="a Flink peer of the benchmark")
    parser.add_argument("--bounded", action="store_true")
    parser.add_argument("--report", type=Path, required=True)
    args = parser.parse_args(argv)

    from shopstream.flink.runner import run_local
    from shopstream.settings import load_settings

    settings = load_settings()
    counters = InsertCounters()
    count_clickhouse_inserts(counters)
    name = args.job
    if args.peer:
        from bench.peers import java_sql
        workdir = Path(tempfile.mkdtemp(prefix="bench-java-sql-", dir=settings.path(settings.stack.state_dir)))
        spec = java_sql.spec(workdir)
        resolve_peer(spec)
        name = spec.name
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop like Ctrl-C
    report: dict = {"target": name, "started_at": time.time(), "first_load_at": None, "error": None}

    def progress(n: int) -> None:
        if report["first_load_at"] is None:
            report["first_load_at"] = time.time()

    try:
        summary = run_local(settings, name, bounded=args.bounded, progress=progress)
        report["loaded_records"] = summary.loaded_records
    except KeyboardInterrupt:
        report["error"] = "interrupted before the job started"
    except Exception as exc:  # reported to the benchmark, which carries on with the other targets
        report["error"] = f"{type(exc).__name__}: {exc}"
    report["finished_at"] = time.time()
    report["clickhouse_inserts"] = counters.tables
    args.report.write_text(json.dumps(report, indent=2))
    if report["error"]:
        raise SystemExit(report["error"])


if __name__ == "__main__":
    main()
