"""Implementations of the `shopstream` sub-commands (argument parsing lives in main.py)."""
from __future__ import annotations

import json
import sys
import time

from clickhouse_connect.driver.exceptions import ClickHouseError
from redis.exceptions import RedisError

from shopstream.broker import BrokerError, ensure_topics
from shopstream.clickhouse.migrations import MigrationError
from shopstream.flink.cluster import ClusterError
from shopstream.flink.environment import FlinkSetupError
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
    from shopstream.clickhouse.reference_tables import load_reference_tables
    client = connect(s, "writer", database="")
    applied = migrations.apply(client, s, log=say)
    say(f"migrations  {len(applied)} applied, database {s.clickhouse.database} up to date")
    written = load_reference_tables(client, s)
    say("reference   " + ", ".join(f"{table} {n} rows written" for table, n in written.items()))
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
    from shopstream.flink import cluster
    from shopstream.flink.runner import load_job
    from shopstream.settings import REPO_ROOT
    load_job(args.job)
    job_id = cluster.submit_python_job(s, REPO_ROOT / "jobs" / f"{args.job}.py", [])
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
    from shopstream.clickhouse import queries
    from shopstream.clickhouse.client import connect
    try:
        from shopstream.reports import campaign
    except ImportError as exc:
        print(f"shopstream report: needs matplotlib ({exc}): .venv/bin/pip install -e '.[report]'", file=sys.stderr)
        return 1
    try:
        start = queries.utc_time_text(args.start, "--from") if args.start else None
        end = queries.utc_time_text(args.end, "--to") if args.end else None
    except queries.QueryError as exc:
        print(f"shopstream report: {exc}", file=sys.stderr)
        return 2
    out = args.out or campaign.default_path(args.campaign_id)
    if not str(out).lower().endswith(campaign.FORMATS):
        print(f"shopstream report: --out {out}: use a .png or .html file name", file=sys.stderr)
        return 2
    series = campaign.fetch_series(connect(s, "analyst"), args.campaign_id, start, end, queries.settings_params(s))
    path = campaign.write_report(series, out)
    say(f"wrote {path}: campaign {args.campaign_id}, {len(series.hours)} hours, "
        f"{sum(series.impressions):,} impressions, {sum(series.clicks):,} clicks, "
        f"${sum(series.spend_minor) / 100:,.2f} spend")
    return 0


def cmd_serving(args, s: Settings) -> int:
    from shopstream.serving.profiles import decode_profile
    from shopstream.serving.redis_client import connect
    client = connect(s, "serving")
    kind = client.type(args.key)
    if kind == "none":
        say(json.dumps(None))
        return 1
    value = client.hgetall(args.key) if kind == "hash" else client.get(args.key)
    if kind == "hash" and args.key.startswith("profile:"):
        value = decode_profile(value)
    say(json.dumps(value, indent=2, sort_keys=True))
    return 0


def cmd_dlq(args, s: Settings) -> int:
    from shopstream.cli import dlq
    return dlq.list_dead_letters(args, s) if args.dlq_command == "list" else dlq.replay(args, s)


def cmd_guide(args, s: Settings) -> int:
    """Where the results are and how to look at them, with a real user from the last run."""
    from shopstream.clickhouse.client import connect
    db = s.clickhouse.database
    client = connect(s, "analyst")
    users, dead, late = (client.query(q).result_rows[0][0] for q in (
        f"select uniqExact(user_id) from {db}.user_profiles",
        f"select count() from {db}.dead_letters final", f"select count() from {db}.late_events final"))
    top = client.query(f"select user_id from {db}.user_profiles final order by events_total desc limit 1").result_rows
    sample = top[0][0] if top else "<user_id>"
    ad_rows = client.query(f"select campaign_id, any(ad_id), sum(impressions), sum(clicks) from {db}.ad_performance_daily "
                           f"group by campaign_id order by sum(impressions) desc limit 1").result_rows
    campaign, ad, impressions, clicks = ad_rows[0] if ad_rows else ("<campaign_id>", "<ad_id>", 0, 0)
    c, r = s.clickhouse, s.redis
    say(f"""
shopstream demo: {users} user profiles, {dead} dead letters, {late} late events;
ads: the busiest campaign {campaign} had {impressions} impressions and {clicks} clicks.

Serving (Redis {r.host}:{r.port}, read-only user '{r.serving_user}'):
  .venv/bin/shopstream serving get profile:{sample}
  redis-cli -p {r.port} --user {r.serving_user} --pass <serving password> HGETALL profile:{sample}
  .venv/bin/shopstream serving get ads:ad:{ad}          (also ads:campaign:{campaign}, ads:pacing:{campaign})

Analytics (ClickHouse HTTP at {c.url}, database {db}, analyst user '{c.analyst_user}'):
  .venv/bin/shopstream sql "select segment, count() as users, sum(spend_minor_total) / 100 as spend_usd
                             from user_profiles final group by segment order by users desc"
  .venv/bin/shopstream dlq list
  .venv/bin/shopstream query --list
  .venv/bin/shopstream query campaign_report --param campaign_id={campaign} --param from=2000-01-01 --param to=2100-01-01
  .venv/bin/shopstream report campaign {campaign}         (writes reports/campaign-{campaign}.png)
  curl -u {c.analyst_user}:<password> '{c.url}/?database={db}' --data-binary 'select * from user_profiles final limit 3 format Vertical'

Stack:  .venv/bin/shopstream status     Stop it: make down     Passwords: config/shopstream.toml
""")
    return 0


def dispatch(args, settings: Settings) -> int:
    return {
        "up": cmd_up, "down": cmd_down, "status": cmd_status, "migrate": cmd_migrate,
        "generate": cmd_generate, "run": cmd_run, "submit": cmd_submit, "load": cmd_load,
        "sql": cmd_sql, "query": cmd_query, "report": cmd_report, "serving": cmd_serving, "dlq": cmd_dlq, "guide": cmd_guide,
    }[args.command](args, settings)
