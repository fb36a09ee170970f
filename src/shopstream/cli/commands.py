"""Implementations of the `shopstream` sub-commands (argument parsing lives in main.py)."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from clickhouse_connect.driver.exceptions import ClickHouseError
from redis.exceptions import RedisError

from shopstream.broker import BrokerError, ensure_topics
from shopstream.clickhouse.migrations import MigrationError
from shopstream.flink.cluster.errors import ClusterError
from shopstream.flink.installation import FlinkSetupError
from shopstream.flink.runner import JobError
from shopstream.flink.sqlfiles import SqlRenderError
from shopstream.serving.redis_client import ServingError
from shopstream.settings import Settings
from shopstream.stack.process import ServiceError

USER_ERRORS = (ServiceError, BrokerError, MigrationError, JobError, FlinkSetupError, SqlRenderError,
               ServingError, ClusterError, ClickHouseError, RedisError, FileNotFoundError, ValueError)


def say(msg: str) -> None:
    print(msg, flush=True)


def cmd_up(args, s: Settings) -> int:
    from shopstream.stack import process, services
    for spec in services.local_services(s):
        say(f"{spec.name:<11} {process.start(spec):<16} {spec.host}:{spec.port}  log {spec.log_file}")
    created = ensure_topics(s)
    if created:
        say(f"topics      created {', '.join(created)}")
    return cmd_migrate(args, s)


def cmd_down(args, s: Settings) -> int:
    from shopstream.stack import process, services
    for spec in reversed(services.local_services(s)):
        say(f"{spec.name:<11} {process.stop(spec)}")
    return 0


def cmd_status(args, s: Settings) -> int:
    from shopstream.stack import process, services
    for spec in services.local_services(s):
        say(f"{spec.name:<11} {process.status(spec):<40} {spec.host}:{spec.port}")
    return 0


def cmd_migrate(args, s: Settings) -> int:
    from shopstream.clickhouse import migrations
    from shopstream.clickhouse.client import connect
    from shopstream.registry import products
    client = connect(s, "writer", database="")
    applied = migrations.apply(client, s, log=say)
    say(f"migrations  {len(applied)} applied, database {s.clickhouse.database} up to date")
    for product in products():
        if product.load_reference:
            say(f"reference   {product.load_reference(client, s)}")
    return 0


def cmd_generate(args, s: Settings) -> int:
    from shopstream.generator import GenerationParams, generate, produce_to_kafka, write_to_files
    g = s.generator
    config = GenerationParams.for_shape(args.shape, g, users=args.users, days=args.days,
                                        seed=args.seed if args.seed is not None else g.seed, events=args.events,
                                        bad_share=args.bad_share, late_share=args.late_share,
                                        duplicate_share=args.duplicate_share,
                                        orphan_click_share=args.orphan_click_share)
    records = generate(config)
    started = time.monotonic()
    if args.to_files:
        counts = write_to_files(records, args.to_files)
        say(f"wrote {sum(counts.values())} records to {args.to_files}: {counts}")
        return 0
    ensure_topics(s)
    if args.if_empty:
        from shopstream.broker import end_offsets
        held = sum(end_offsets(s.kafka.bootstrap_servers, s.topics.clickstream).values())
        if held:
            say(f"topic {s.topics.clickstream} already holds {held:,} records: not generating more "
                "(`make down` empties the local broker)")
            return 0

    def progress(n: int) -> None:
        rate = n / max(time.monotonic() - started, 1e-6)
        print(f"\rproduced {n:>10,} records ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)

    counts = produce_to_kafka(records, s.kafka.bootstrap_servers, s.topics, rate=args.rate, progress=progress)
    print(file=sys.stderr)
    say(f"produced {sum(counts.values()):,} records in {time.monotonic() - started:.1f} s: {counts}")
    return 0


def cmd_run(args, s: Settings) -> int:
    from shopstream.flink.runner import run_local

    def progress(n: int) -> None:
        print(f"\rloaded {n:>10,} output records", end="", file=sys.stderr, flush=True)

    summary = run_local(s, args.job, bounded=args.bounded, resume=args.resume,
                        with_loader=not args.no_loader, progress=progress)
    print(file=sys.stderr)
    say(f"{summary.job}: {'bounded run finished' if summary.bounded else 'stopped'} in {summary.seconds:.1f} s, "
        f"{summary.loaded_records:,} output records loaded"
        + (f", resumed from {summary.resumed_from}" if summary.resumed_from else ""))
    return 0


def cmd_submit(args, s: Settings) -> int:
    from shopstream.flink.cluster.submit import submit_python_job
    from shopstream.flink import job_entry
    from shopstream.flink.runner import load_job
    load_job(args.job)
    job_id = submit_python_job(s, Path(job_entry.__file__), [args.job])
    say(f"submitted {args.job} as Flink job {job_id} to http://{s.flink.rest_address}:{s.flink.rest_port}")
    say(f"deliver its results with: shopstream load {args.job}")
    return 0


def cmd_load(args, s: Settings) -> int:
    from shopstream.flink.runner import load_job, run_job_loader
    def progress(n: int) -> None:
        print(f"\rloaded {n:>10,} output records", end="", file=sys.stderr, flush=True)

    say(f"loading the output topics of {args.job} into Redis and ClickHouse (Ctrl-C stops)")
    n = run_job_loader(s, load_job(args.job), progress=progress)
    say(f"\nloaded {n:,} records")
    return 0


def cmd_sql(args, s: Settings) -> int:
    from shopstream.clickhouse.client import connect
    client = connect(s, "writer" if args.as_writer else "analyst")
    result = client.raw_query(args.query, fmt=args.format if " format " not in args.query.lower() else None)
    sys.stdout.write(result.decode() if isinstance(result, bytes) else str(result))
    return 0


def cmd_query(args, s: Settings) -> int:
    """Run an analyst query file; a bad name or parameter is a usage error (exit 2)."""
    from shopstream.clickhouse import queries
    try:
        if args.list:
            for name, query in queries.discover().items():
                say(f"{name:<22} {query.summary}")
            return 0
        if not args.name:
            raise queries.QueryError("name a query (shopstream query --list shows them)")
        query = queries.find(args.name)
        given = queries.parse_param_args(args.param)
        fallbacks = queries.settings_params(s)
        queries.bind(query, given, fallbacks)  # names every missing parameter before connecting
    except queries.QueryError as exc:
        print(f"shopstream query: {exc}", file=sys.stderr)
        return 2
    from shopstream.clickhouse.client import connect
    result = queries.run_raw(connect(s, "analyst"), query, given, fmt=args.format, fallbacks=fallbacks)
    sys.stdout.write(result.decode() if isinstance(result, bytes) else str(result))
    return 0


def cmd_report(args, s: Settings) -> int:
    from shopstream.registry import reports
    return reports()[args.report_command].run(args, s)


def cmd_serving(args, s: Settings) -> int:
    from shopstream.registry import serving_decoder
    from shopstream.serving.redis_client import connect
    client = connect(s, "serving")
    kind = client.type(args.key)
    if kind == "none":
        say(json.dumps(None))
        return 1
    value = client.hgetall(args.key) if kind == "hash" else (
        sorted(client.smembers(args.key)) if kind == "set" else client.get(args.key))
    decode = serving_decoder(args.key) if kind == "hash" else None
    say(json.dumps(decode(value) if decode else value, indent=2, sort_keys=True))
    return 0


def cmd_dlq(args, s: Settings) -> int:
    from shopstream.cli import dlq
    return dlq.list_dead_letters(args, s) if args.dlq_command == "list" else dlq.replay(args, s)


def cmd_dq(args, s: Settings) -> int:
    """`dq check`: run the suites as the analyst, print what failed and where, record the run as the writer."""
    from shopstream.clickhouse.client import connect
    from shopstream.dq.check import run_check
    from shopstream.dq.runs import record, report
    run = run_check(connect(s, "analyst"), s, args.product, batch_rows=args.batch_rows, examples=args.examples)
    for line in report(run):
        say(line)
    written = record(connect(s, "writer"), run)
    say(f"recorded {written} outcome(s) in {s.clickhouse.database}.dq_runs (run_id = '{run.run_id}')")
    return 1 if run.failed else 0


def cmd_guide(args, s: Settings) -> int:
    """Where the results are and how to look at them: the runtime's tables, then each product's lines."""
    from shopstream.clickhouse.client import connect
    from shopstream.registry import products
    db = s.clickhouse.database
    client = connect(s, "analyst")
    dead, late = (client.query(q).result_rows[0][0] for q in (
        f"select count() from {db}.dead_letters final", f"select count() from {db}.late_events final"))
    c = s.clickhouse
    sections = [p.guide(s, client) for p in products() if p.guide]
    say(f"""
shopstream: {dead} dead letters, {late} late events.

Serving: Redis {s.redis.host}:{s.redis.port}, read-only user '{s.redis.serving_user}'.
Analytics: ClickHouse HTTP at {c.url}, database {db}, analyst user '{c.analyst_user}'.

""" + "\n\n".join(sections) + f"""

Everywhere:
  .venv/bin/shopstream dlq list
  .venv/bin/shopstream query --list
  curl -u {c.analyst_user}:<password> '{c.url}/?database={db}' --data-binary 'show tables'

Stack:  .venv/bin/shopstream status     Stop it: make down     Passwords: config/shopstream.toml
""")
    return 0


def dispatch(args, settings: Settings) -> int:
    return {
        "up": cmd_up, "down": cmd_down, "status": cmd_status, "migrate": cmd_migrate,
        "generate": cmd_generate, "run": cmd_run, "submit": cmd_submit, "load": cmd_load,
        "sql": cmd_sql, "query": cmd_query, "report": cmd_report, "serving": cmd_serving, "dlq": cmd_dlq, "dq": cmd_dq,
        "guide": cmd_guide,
    }[args.command](args, settings)
