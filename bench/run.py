"""The benchmark: shopstream's jobs and their peers on the same generated events, on this machine.

    python -m bench.run [--events N] [--jobs user_profiles,ad_features|none] [--together engagement|concurrent|none]
                        [--peers java_sql,python_consumer,flink_floor|none] [--shape default|realistic]
                        [--out bench/results]

Starts a private stack on free loopback ports, generates N events once and produces them to the input
topics, then measures each target in turn on those same topic contents:

1. *max rate*: the target runs bounded (reads up to the end offsets found at its start, drains, loads):
   wall time, events/s, CPU per event, peak memory, state size, ClickHouse figures, serving reads;
2. *half rate*: the target runs unbounded on empty topics while the same events are produced at half its
   measured events/s: freshness (bench/freshness.py) and serving reads under that load.

Targets: each job of ``--jobs``; all jobs together (``--together``: a job composing them, by default
``engagement``, or ``concurrent`` to run the listed jobs side by side); and the peers. Results: ``<out>/<date>-<commit>.json`` and ``.md``. README.md, section
Benchmarks, defines every figure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench import freshness as fr
from bench import results as res
from bench.peers.flink_floor import running_marker
from bench.procfs import ProcessSampler, wait_group_gone
from bench.stack import migrate, private_stack, settings_for, target_env
from shopstream.generator.model import SHAPES
from shopstream.settings import Settings
from bench.stack import PROJECT_ROOT as REPO_ROOT

log = logging.getLogger("bench")

PEER_COMMANDS = {
    "java_sql": ("-m", "bench.drive", "--peer", "java_sql"),
    "python_consumer": ("-m", "bench.peers.python_consumer"),
    "flink_floor": ("-m", "bench.peers.flink_floor"),
}
# what each peer serves (default: profiles); flink_floor writes into a blackhole: no serving output, so no
# Redis first write (its first write is when its job runs: bench.peers.flink_floor.running_marker), no
# half-rate phase and no "same results" check
PEER_PRODUCTS: dict[str, tuple[str, ...]] = {"flink_floor": ()}
PEER_INPUTS = ("clickstream", "orders")
AGREEMENT_FIELDS = ("events_1h", "events_24h", "events_7d", "events_30d", "orders_30d", "spend_minor_30d",
                    "as_of_ms_30d", "events_total", "orders_total", "spend_minor_total", "first_seen_ms",
                    "last_seen_ms", "last_order_ms", "device", "country")


@dataclass(frozen=True)
class Target:
    """One thing measured: processes started together, the products they serve, the topics they read."""

    name: str
    kind: str                                   # job, together or peer
    commands: tuple[tuple[str, ...], ...]       # python arguments of each process
    products: tuple[str, ...]
    input_topics: tuple[str, ...]               # topic settings read


def job_target(name: str, kind: str = "job") -> Target:
    from shopstream.flink.runner import load_job
    spec = load_job(name)
    products = tuple(p.name for p in spec.product_objects if p.name in spec.products and p.probe)
    return Target(name, kind, (("-m", "bench.drive", "--job", name),), products, tuple(spec.input_topics))


def plan_targets(jobs: list[str], together: str, peers: list[str]) -> list[Target]:
    targets = [job_target(j) for j in jobs]
    if together == "concurrent" and len(jobs) > 1:
        targets.append(Target("together", "together", tuple(c for t in targets for c in t.commands),
                              tuple(dict.fromkeys(p for t in targets for p in t.products)),
                              tuple(dict.fromkeys(i for t in targets for i in t.input_topics))))
    elif together not in ("none", "concurrent", *jobs):
        targets.append(job_target(together, "together"))
    for peer in peers:
        targets.append(Target(peer, "peer", (PEER_COMMANDS[peer],), PEER_PRODUCTS.get(peer, ("user_profiles",)),
                              PEER_INPUTS))
    return targets


# -- measuring ----------------------------------------------------------------------------------------------

@dataclass
class Launched:
    procs: list
    reports: list[Path]
    started_at: float


class Bench:
    def __init__(self, settings: Settings, specs: list, root: Path, args):
        self.settings = settings
        self.service_pids = [p for p in (_read_pid(s) for s in specs) if p]
        self.root = root
        self.args = args
        (root / "logs").mkdir(parents=True, exist_ok=True)
        (root / "reports").mkdir(parents=True, exist_ok=True)
        self.records: list = []
        self.keys_file = root / "serving_keys.tsv"

    # -- the events -----------------------------------------------------------------------------------------
    def generate(self) -> dict:
        from shopstream.broker import ensure_topics
        from shopstream.generator import GenerationParams, generate, produce_to_kafka

        a, g = self.args, self.settings.generator
        params = GenerationParams.for_shape(a.shape, g, users=a.users, days=a.days, events=a.events,
                                            bad_share=0.01, late_share=0.005, duplicate_share=0.01)
        started = time.monotonic()
        self.records = list(generate(params))
        generated_s = time.monotonic() - started
        from shopstream.registry import products
        sample_keys = {p.name: p.probe.sample_key for p in products() if p.probe}
        keys: dict[str, set] = {p: set() for p in sample_keys}
        for r in self.records:
            for product, sample_key in sample_keys.items():
                key = sample_key(r.value)
                if key:
                    keys[product].add(key)
        self.keys = {p: sorted(k) for p, k in keys.items()}
        ensure_topics(self.settings)
        started = time.monotonic()
        counts = produce_to_kafka(self.records, self.settings.kafka.bootstrap_servers, self.settings.topics)
        produced_s = time.monotonic() - started
        log.info("generated %d records in %.1f s, produced in %.1f s", len(self.records), generated_s, produced_s)
        return {"events": len(self.records), "shape": params.shape, "users": params.users, "days": params.days,
                "seed": params.seed,
                "bad_share": params.bad_share, "late_share": params.late_share,
                "duplicate_share": params.duplicate_share, "records_per_topic": counts,
                "generate_s": round(generated_s, 1), "producer_events_per_s": round(len(self.records) / produced_s)}

    def write_keys(self, products: tuple[str, ...]) -> bool:
        lines = [f"{p}\t{k}" for p in products for k in self.keys.get(p, [])]
        self.keys_file.write_text("\n".join(lines) + "\n")
        return bool(lines)

    # -- processes ------------------------------------------------------------------------------------------
    def launch(self, target: Target, phase: str, env: dict[str, str], bounded: bool) -> Launched:
        procs, reports = [], []
        started_at = time.time()
        for i, command in enumerate(target.commands):
            report = self.root / "reports" / f"{phase}_{target.name}_{i}.json"
            report.unlink(missing_ok=True)
            running_marker(report).unlink(missing_ok=True)
            argv = [sys.executable, *command, "--report", str(report)] + (["--bounded"] if bounded else [])
            logf = (self.root / "logs" / f"{phase}_{target.name}_{i}.log").open("ab")
            flink_logs = self.root / "logs" / f"flink_{phase}_{target.name}_{i}"  # a JVM truncates its log file
            flink_logs.mkdir(exist_ok=True)
            env = {**env, "FLINK_LOG_DIR": str(flink_logs)}
            procs.append(subprocess.Popen(argv, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=logf,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
            reports.append(report)
        return Launched(procs, reports, started_at)

    def stop(self, launched: Launched, timeout_s: float = 90) -> None:
        for p in launched.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for p in launched.procs:
            try:
                p.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        self.reap(launched)

    @staticmethod
    def reap(launched: Launched) -> None:
        """Whatever is left of the targets' process groups (a JVM outliving its driver) is killed."""
        for p in launched.procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
            if not wait_group_gone(p.pid, 20):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def start_reader(self, name: str) -> tuple[subprocess.Popen, Path]:
        out = self.root / "reports" / f"reads_{name}.json"
        out.unlink(missing_ok=True)
        logf = (self.root / "logs" / f"reads_{name}.log").open("ab")
        proc = subprocess.Popen([sys.executable, "-m", "bench.reader", "--keys", str(self.keys_file),
                                 "--rate", str(self.args.read_rate), "--out", str(out)], cwd=REPO_ROOT,
                                stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        return proc, out

    @staticmethod
    def stop_reader(reader: tuple[subprocess.Popen, Path] | None) -> dict | None:
        if reader is None:
            return None
        proc, out = reader
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            return None
        return json.loads(out.read_text()) if out.exists() else None

    # -- phase 1: max rate ----------------------------------------------------------------------------------
    def max_rate(self, target: Target) -> tuple[dict, dict | None]:
        env = target_env(self.root, "max", target.name, fresh_inputs=False)
        ts = settings_for(env)
        self.prepare(ts)
        redis = self.redis(ts)
        has_keys = self.write_keys(target.products)
        launched = self.launch(target, "max", env, bounded=True)
        sampler = ProcessSampler(groups=[p.pid for p in launched.procs], interval_s=0.25, thread_every=4)
        stack = ProcessSampler(baseline_pids=self.service_pids, interval_s=1.0, threads=False)
        sampler.start()
        stack.start()
        first_write_at, reader, checkpoint_max, next_scan, cpu_at_first_write = None, None, 0, 0.0, None
        threads_at_first_write: dict[str, float] = {}
        deadline = time.monotonic() + self.args.timeout_s
        try:
            while any(p.poll() is None for p in launched.procs):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{target.name} did not finish within {self.args.timeout_s} s")
                if first_write_at is None and (redis.dbsize() > 0 or any(running_marker(r).exists()
                                                                         for r in launched.reports)):
                    first_write_at = time.time()
                    cpu_at_first_write = sampler.summary().cpu_s
                    threads_at_first_write = sampler.thread_cpu_s()
                    if has_keys:
                        reader = self.start_reader(f"max_{target.name}")
                if time.monotonic() >= next_scan:
                    checkpoint_max = max(checkpoint_max, latest_checkpoints_bytes(ts))
                    next_scan = time.monotonic() + 1.0
                time.sleep(0.1)
        finally:
            cpu = sampler.stop()
            stack_cpu = stack.stop()
            reads = self.stop_reader(reader)
            self.reap(launched)
        reports = [_read_json(r) for r in launched.reports]
        errors = [r.get("error") if r else f"no report (exit code {p.returncode}); log in {self.root / 'logs'}"
                  for r, p in zip(reports, launched.procs)]
        if any(errors):
            raise RuntimeError("; ".join(e for e in errors if e))
        n = len(self.records)
        last_write_at = max(r["finished_at"] for r in reports)
        if not target.products:  # no serving output to observe: the peer says when its job ran
            first_write_at = min((r["first_write_at"] for r in reports if r.get("first_write_at")),
                                 default=first_write_at)
        first_write_at = first_write_at or min(r.get("first_write_at") or r.get("first_load_at") or last_write_at
                                               for r in reports)
        processing_s = max(last_write_at - first_write_at, 1e-3)
        wall_s = last_write_at - launched.started_at
        flink_done = savepoint_done_at(ts)
        figures = {
            "events": n,
            "wall_s": round(wall_s, 2),
            "startup_s": round(first_write_at - launched.started_at, 2),
            "processing_s": round(processing_s, 2),
            "events_per_s": round(n / processing_s),
            "events_per_s_wall": round(n / wall_s),
            "flink_done_s": round(flink_done - launched.started_at, 2) if flink_done else None,
            "output_records_loaded": sum(r.get("loaded_records", 0) for r in reports) or None,
            "cpu": {
                "process_tree_s": cpu.cpu_s, "us_per_event": round(cpu.cpu_s / n * 1e6, 1),
                "us_per_event_after_first_write": (round((cpu.cpu_s - cpu_at_first_write) / n * 1e6, 1)
                                                   if cpu_at_first_write is not None else None),
                "by_class_s": cpu.cpu_s_by_class, "stack_services_s": stack_cpu.cpu_s,
                "stack_us_per_event": round(stack_cpu.cpu_s / n * 1e6, 1),
                "top_threads_s": dict(list(cpu.cpu_s_by_thread.items())[:15]),
                "top_threads_after_first_write_s": top_deltas(cpu.cpu_s_by_thread, threads_at_first_write),
            },
            "memory": {"peak_rss_mb": {**{k: round(v / 2**20) for k, v in cpu.peak_rss_bytes_by_class.items()},
                                       "total": round(cpu.peak_rss_bytes / 2**20)}},
            "state": state_figures(ts, checkpoint_max, reports),
            "clickhouse": clickhouse_figures(ts, reports, processing_s),
            "redis": {"keys": redis.dbsize(), "used_memory_mb": round(redis.info("memory")["used_memory"] / 2**20, 1)},
            "reads": reads,
            "peer_report": reports[0] if target.kind == "peer" else None,
        }
        return figures, (profile_fingerprint(redis) if "user_profiles" in target.products else None)

    # -- phase 2: half rate ---------------------------------------------------------------------------------
    def half_rate(self, target: Target, max_events_per_s: float) -> dict:
        from confluent_kafka import Producer

        from shopstream.broker import ensure_topics
        from shopstream.generator import produce_to_kafka

        rate = max(50.0, max_events_per_s / 2)
        env = target_env(self.root, "half", target.name, fresh_inputs=True)
        ts = settings_for(env)
        self.prepare(ts)
        ensure_topics(ts)
        redis = self.redis(ts)
        has_keys = self.write_keys(target.products)
        partitions = [(getattr(ts.topics, t), p) for t in target.input_topics for p in range(ts.kafka.partitions)]
        probes = fr.product_probes()
        tracker = fr.FreshnessTracker({p: probes[p] for p in target.products if p in probes}, partitions,
                                      ts.events.watermark_delay_ms)
        factory = tracker.producer_factory(Producer)
        total = len(self.records)
        prime = min(max(2000, int(rate * 2)), total // 5)
        # the phase: warm-up seconds (not counted), then the measured seconds, both at this rate
        planned_s = self.args.warmup_s + self.args.freshness_s
        measured = min(total - prime, int(rate * planned_s))
        warmup_s = self.args.warmup_s * min(1.0, measured / (rate * planned_s))
        every = max(1, int(rate / self.args.samples_per_s))

        def produce(records, sample_every: int) -> float:
            started = time.monotonic()
            produce_to_kafka(tracker.feed(records, sample_every), ts.kafka.bootstrap_servers, ts.topics, rate=rate,
                             producer_config={"linger.ms": 5}, producer_factory=factory)
            return time.monotonic() - started

        launched = self.launch(target, "half", env, bounded=False)
        sampler = ProcessSampler(groups=[p.pid for p in launched.procs], interval_s=0.5, threads=False)
        sampler.start()
        poller, reader_timer, readers, reads = None, None, [], None
        try:
            produce(self.records[:prime], 0)
            deadline = time.monotonic() + self.args.startup_timeout_s
            while redis.dbsize() == 0:
                if any(p.poll() is not None for p in launched.procs):
                    report = _read_json(launched.reports[0]) or {}
                    raise RuntimeError(f"{target.name} stopped before writing anything: "
                                       f"{(report.get('error') or 'no report').splitlines()[0]}; "
                                       f"log in {self.root / 'logs'}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target.name} wrote nothing to Redis within "
                                       f"{self.args.startup_timeout_s} s; log in {self.root / 'logs'}")
                time.sleep(0.1)
            poller = fr.VisibilityPoller(self.redis(ts), tracker)
            poller.start()
            since = time.monotonic() + warmup_s
            # serving reads during the measured seconds only: after the warm-up, until the traffic ends
            if has_keys:
                reader_timer = threading.Timer(warmup_s, lambda: readers.append(
                    self.start_reader(f"half_{target.name}")))
                reader_timer.start()
            cpu_before, self_before = sampler.summary().cpu_s, _self_cpu_s()
            produce_s = produce(self.records[prime:prime + measured], every)
            cpu_during = sampler.summary().cpu_s - cpu_before
            self_cpu = _self_cpu_s() - self_before
            if reader_timer is not None:
                reader_timer.cancel()
                reader_timer.join()
            reads = self.stop_reader(readers[0] if readers else None)
            readers.clear()
            drain_until = time.monotonic() + self.args.drain_s
            while time.monotonic() < drain_until and any(
                    s.watermark_at is not None and s.visible_at is None for s in tracker.samples):
                time.sleep(0.2)
        finally:
            if reader_timer is not None:
                reader_timer.cancel()
            for leftover in readers:  # a failure before the traffic ended
                self.stop_reader(leftover)
            if poller is not None:
                poller.stop()
            self.stop(launched)
            sampler.stop()
            fr.write_samples(tracker.samples, self.root / "reports" / f"freshness_{target.name}.jsonl")
        return {
            "rate_target": round(rate), "rate_achieved": round(measured / produce_s), "events": measured,
            "primed_events": prime, "warmup_s": round(warmup_s, 2),
            "products": fr.freshness_by_product(tracker.samples, since),
            "reads": reads,
            "cpu_us_per_event": round(cpu_during / measured * 1e6, 1),
            "load_generator_cpu_us_per_event": round(self_cpu / measured * 1e6, 1),
        }

    # -- helpers --------------------------------------------------------------------------------------------
    def prepare(self, ts: Settings) -> None:
        """An empty Redis and a migrated ClickHouse database of the target's own."""
        self.redis(ts).flushall()
        migrate(ts)

    @staticmethod
    def redis(ts: Settings):
        from shopstream.serving.redis_client import connect
        return connect(ts, "writer")


def _read_pid(spec) -> int | None:
    from shopstream.stack import process
    return process.read_pid(spec)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _self_cpu_s() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def top_deltas(end: dict[str, float], start: dict[str, float], n: int = 15) -> dict[str, float]:
    """The ``n`` largest increases from ``start`` to ``end``."""
    deltas = {k: round(v - start.get(k, 0.0), 2) for k, v in end.items()}
    return dict(sorted(((k, v) for k, v in deltas.items() if v >= 0.01), key=lambda kv: -kv[1])[:n])


def dir_bytes(path: Path) -> int:
    total = 0
    for base, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(base, f)).st_size
            except FileNotFoundError:
                pass
    return total


def _job_dirs(ts: Settings) -> list[Path]:
    root = ts.path(ts.flink.checkpoint_dir)
    return [d for d in root.iterdir() if d.is_dir()] if root.exists() else []


def latest_checkpoints_bytes(ts: Settings) -> int:
    """Size of the newest completed checkpoint of each job of the target, summed."""
    total = 0
    for job_dir in _job_dirs(ts):
        done = [m.parent for m in job_dir.glob("*/chk-*/_metadata")]
        if done:
            newest = max(done, key=lambda d: int(d.name.split("-")[1]))
            total += dir_bytes(newest)
    return total


def savepoint_done_at(ts: Settings) -> float | None:
    """When the last job of the target completed its final (draining) savepoint: the Flink part is done."""
    metas = [m for d in _job_dirs(ts) for m in (d / "savepoints").glob("*/_metadata")]
    return max((m.stat().st_mtime for m in metas), default=None)


def state_figures(ts: Settings, checkpoint_max: int, reports: list[dict]) -> dict:
    savepoints = [m.parent for d in _job_dirs(ts) for m in (d / "savepoints").glob("*/_metadata")]
    final = sum(dir_bytes(s) for s in savepoints) if savepoints else None
    pickled = sum(r.get("state_bytes", 0) for r in reports) or None
    final = final if final is not None else pickled
    return {"checkpoint_max_mb": round(checkpoint_max / 2**20, 3) if checkpoint_max else None,
            "final_mb": round(final / 2**20, 3) if final else None,
            "final_is": "savepoint" if savepoints else ("pickled state" if pickled else None)}


def clickhouse_figures(ts: Settings, reports: list[dict], processing_s: float) -> dict | None:
    inserts: dict[str, dict] = {}
    for r in reports:
        for table, t in (r.get("clickhouse_inserts") or {}).items():
            agg = inserts.setdefault(table, {"rows": 0, "seconds": 0.0, "calls": 0})
            for k in agg:
                agg[k] += t[k]
    if not inserts:
        return None
    from shopstream.clickhouse.client import connect
    db = ts.clickhouse.database
    rows = connect(ts, "writer").query(
        "select table, sum(rows), sum(bytes_on_disk), sum(data_uncompressed_bytes) from system.parts "
        f"where database = '{db}' and active and table != 'schema_migrations' group by table").result_rows
    parts = {t: {"rows": int(n), "bytes_on_disk": int(b), "bytes_uncompressed": int(u)} for t, n, b, u in rows}
    stored = sum(p["rows"] for p in parts.values())
    inserted = sum(t["rows"] for t in inserts.values())
    insert_s = sum(t["seconds"] for t in inserts.values())
    return {
        "inserted_rows": inserted, "insert_s": round(insert_s, 2),
        "insert_rows_per_s": round(inserted / insert_s) if insert_s else None,
        "rows_per_s_run": round(inserted / processing_s),
        "bytes_per_row_disk": round(sum(p["bytes_on_disk"] for p in parts.values()) / stored, 1) if stored else None,
        "bytes_per_row_uncompressed": (round(sum(p["bytes_uncompressed"] for p in parts.values()) / stored, 1)
                                       if stored else None),
        "tables": {t: {**parts.get(t, {}), **{f"inserted_{k}": v for k, v in i.items()}} for t, i in inserts.items()},
    }


def profile_fingerprint(redis) -> dict[str, tuple]:
    """The profile fields every target writes, per user: to check that targets computed the same thing."""
    keys = sorted(redis.scan_iter("profile:*", count=1000))
    pipe = redis.pipeline(transaction=False)
    for k in keys:
        pipe.hmget(k, AGREEMENT_FIELDS)
    return {k: tuple(v) for k, v in zip(keys, pipe.execute())}


def agreement(fingerprints: dict[str, dict], reference: str) -> dict:
    ref = fingerprints.get(reference)
    if not ref:
        return {}
    out = {}
    for name, fp in fingerprints.items():
        if name == reference or fp is None:
            continue
        same = sum(1 for k, v in ref.items() if fp.get(k) == v)
        out[name] = {"reference": reference, "users": len(ref), "same": same,
                     "missing": sum(1 for k in ref if k not in fp), "extra": sum(1 for k in fp if k not in ref)}
    return out


# -- the run ------------------------------------------------------------------------------------------------

def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=1_000_000, help="events generated (default 1,000,000)")
    p.add_argument("--jobs", default="user_profiles,ad_features",
                   help="comma-separated shopstream jobs (default user_profiles,ad_features), or 'none'")
    p.add_argument("--together", default="engagement",
                   help="all jobs together: a job composing them (default engagement), 'concurrent' (the listed "
                        "jobs side by side) or 'none'")
    p.add_argument("--peers", default="java_sql,python_consumer", help="comma-separated peers, or 'none'")
    p.add_argument("--shape", choices=sorted(SHAPES), default="default",
                   help="traffic shape (shopstream generate --shape): default, or realistic (50,000 users, 35 days, "
                        "heavy-tailed activity)")
    p.add_argument("--users", type=int, help="users in the generated traffic (default from the shape, else settings)")
    p.add_argument("--days", type=float, help="days of generated traffic (default from the shape, else settings)")
    p.add_argument("--checkpoint-interval-ms", type=int, help="Flink checkpoint interval (default from settings)")
    p.add_argument("--no-freshness", action="store_true", help="skip the half-rate phase")
    p.add_argument("--freshness-only-at", type=float, metavar="EVENTS_PER_S",
                   help="tuning aid: skip the max-rate phase and measure freshness and reads at this rate; "
                        "prints the figures, writes no results file")
    p.add_argument("--freshness-s", type=float, default=60, help="seconds of traffic at half rate (default 60)")
    p.add_argument("--warmup-s", type=float, default=45,
                   help="half-rate seconds before the measured ones, not counted: the JVM compiles its hot code "
                        "and the start-up backlog drains (default 45; shortened when the events do not suffice)")
    p.add_argument("--drain-s", type=float, default=20, help="wait after the half-rate traffic (default 20)")
    p.add_argument("--samples-per-s", type=float, default=20, help="freshness samples a second (default 20)")
    p.add_argument("--read-rate", type=float, default=500, help="serving reads a second (default 500)")
    p.add_argument("--timeout-s", type=float, default=3600, help="limit of one max-rate run (default 3600)")
    p.add_argument("--startup-timeout-s", type=float, default=300)
    p.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results", help="results folder")
    p.add_argument("--keep", action="store_true", help="keep the stack's data folder (logs are always kept)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    sys.setswitchinterval(0.001)  # the producer thread must not hold up the freshness poller for long

    jobs = [] if args.jobs == "none" else [j for j in args.jobs.split(",") if j]
    together = args.together
    peers = [] if args.peers == "none" else [x for x in args.peers.split(",") if x]
    unknown = [x for x in peers if x not in PEER_COMMANDS]
    if unknown:
        p.error(f"unknown peers {unknown}; peers: {', '.join(PEER_COMMANDS)}")
    targets = plan_targets(jobs, together, peers)
    whole = next((t.name for t in targets if t.kind == "together"), jobs[0] if len(jobs) == 1 else None)

    stamp = dt.datetime.now(dt.UTC)
    root = REPO_ROOT / ".local" / "bench" / stamp.strftime("%Y%m%dT%H%M%S")
    root.mkdir(parents=True, exist_ok=True)
    log.info("benchmark folder %s; targets %s", root, ", ".join(t.name for t in targets))
    figures: dict[str, dict] = {}
    fingerprints: dict[str, dict] = {}
    with private_stack(root, args.checkpoint_interval_ms) as (settings, specs):
        bench = Bench(settings, specs, root, args)
        generation = bench.generate()
        if args.freshness_only_at:
            for t in targets:
                log.info("%s: freshness at %s events/s", t.name, args.freshness_only_at)
                figures[t.name] = bench.half_rate(t, 2 * args.freshness_only_at)
            print(json.dumps(figures, indent=2))
            return 0
        for t in targets:
            entry = figures[t.name] = {"kind": t.kind, "commands": [" ".join(c) for c in t.commands],
                                       "products": list(t.products), "error": None}
            try:
                log.info("%s: max rate", t.name)
                entry["throughput"], fingerprints[t.name] = bench.max_rate(t)
                log.info("%s: %s events/s", t.name, f"{entry['throughput']['events_per_s']:,}")
                if not t.products:
                    log.info("%s: no serving output, no half-rate phase", t.name)
                elif not args.no_freshness:
                    log.info("%s: half rate", t.name)
                    entry["freshness"] = bench.half_rate(t, entry["throughput"]["events_per_s"])
            except Exception as exc:  # one failing target must not lose the others' figures
                log.exception("%s failed", t.name)
                entry["error"] = f"{type(exc).__name__}: {exc}"
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    results = {
        "date": stamp.isoformat(timespec="seconds"),
        "commit": commit,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "machine": res.machine_info(Path("/proc/cpuinfo").read_text(), Path("/proc/meminfo").read_text()),
        "events": generation["events"],
        "generation": generation,
        "settings": {"parallelism": settings.flink.parallelism,
                     "checkpoint_interval_ms": settings.flink.checkpoint_interval_ms,
                     "python_execution_mode": settings.flink.python_execution_mode,
                     "bundle_size": settings.flink.bundle_size, "kafka_partitions": settings.kafka.partitions,
                     "watermark_delay_ms": settings.events.watermark_delay_ms,
                     "buffer_timeout_ms": settings.flink.buffer_timeout_ms,
                     "watermark_interval_ms": settings.flink.watermark_interval_ms},
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "targets": figures,
    }
    results["ratios"] = res.ratios(figures)
    results["checks"] = res.checks(figures, whole)
    results["agreement"] = agreement(fingerprints, next((t.name for t in targets if "user_profiles" in t.products), ""))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / res.result_stem(results["date"], commit)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    stem.with_suffix(".md").write_text(res.to_markdown(results))
    print(res.to_markdown(results))
    log.info("results: %s.json and .md; logs: %s", stem, root / "logs")
    if not args.keep:
        for sub in ("chdb", "state", "checkpoints"):
            shutil.rmtree(root / sub, ignore_errors=True)
    return 0 if not any(f.get("error") for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
