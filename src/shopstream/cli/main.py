"""`shopstream`: operate the local stack and the jobs. Every flag falls back to settings/environment."""
from __future__ import annotations

import argparse
import logging
import sys

from shopstream.cli import commands
from shopstream.generator.model import SHAPES
from shopstream.settings import SettingsError, load_settings


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shopstream", description=__doc__)
    p.add_argument("--config", help="settings file (env SHOPSTREAM_CONFIG; default config/shopstream.toml)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("up", help="start the local stack (broker, Redis, ClickHouse) and apply migrations")
    sub.add_parser("down", help="stop the local stack")
    sub.add_parser("status", help="show the local services and their addresses")
    sub.add_parser("migrate", help="apply ClickHouse migrations (idempotent)")
    sub.add_parser("guide", help="print where the results are and how to look at them")

    g = sub.add_parser("generate", help="generate realistic events into the broker or files")
    g.add_argument("--events", type=int, default=200_000, help="number of events (default 200000)")
    g.add_argument("--seed", type=int, help="random seed (default from settings)")
    g.add_argument("--shape", choices=sorted(SHAPES), default="default",
                   help="traffic shape: 'default' (settings' users and days, everyone active throughout) or "
                        "'realistic' (50,000 users over 35 days, heavy-tailed activity, shoppers joining and "
                        "leaving)")
    g.add_argument("--users", type=int, help="number of users (default from the shape, else settings)")
    g.add_argument("--days", type=float, help="days of traffic (default from the shape, else settings)")
    g.add_argument("--bad-share", type=float, default=0.0, help="share of bad records, e.g. 0.01")
    g.add_argument("--late-share", type=float, default=0.0, help="share of late events")
    g.add_argument("--duplicate-share", type=float, default=0.0, help="share of duplicated events")
    g.add_argument("--orphan-click-share", type=float, default=0.03,
                   help="share of ad clicks whose impression is lost (arrive as orphan clicks; default 0.03)")
    g.add_argument("--rate", type=float, help="events per second (default: as fast as possible)")
    g.add_argument("--to-files", metavar="DIR", help="write JSONL files instead of producing to the broker")
    g.add_argument("--if-empty", action="store_true",
                   help="do nothing when the clickstream topic already holds events (makes `make demo` repeatable)")

    for name, helptext in (("run", "run a job on a local Flink MiniCluster, with its loader"),
                           ("submit", "submit a job to the Flink cluster in settings")):
        r = sub.add_parser(name, help=helptext)
        r.add_argument("job")
        if name == "run":
            r.add_argument("--bounded", action="store_true",
                           help="stop (firing every window) once the input found at start is processed")
            r.add_argument("--resume", action="store_true", help="restore the newest retained checkpoint")
            r.add_argument("--no-loader", action="store_true", help="run only the Flink job")

    ld = sub.add_parser("load", help="run a job's loader: output topics -> Redis and ClickHouse")
    ld.add_argument("job")

    s = sub.add_parser("sql", help="run a query on ClickHouse and print the rows")
    s.add_argument("query")
    s.add_argument("--format", default="PrettyCompact", help="ClickHouse output format")
    s.add_argument("--as-writer", action="store_true", help="use the writer user (default: analyst)")

    q = sub.add_parser("query", help="run an analyst query file (sql/queries/**/NAME.sql) and print the result",
                       description="Run sql/queries/**/NAME.sql as the analyst user. Each file's header says "
                                   "what it answers, its parameters and its columns.")
    q.add_argument("name", nargs="?", help="query name, e.g. campaign_report (see --list)")
    q.add_argument("--list", action="store_true", help="list the queries with what each answers, and exit")
    q.add_argument("-p", "--param", action="append", metavar="KEY=VALUE",
                   help="a query parameter, repeatable: --param campaign_id=cmp-01 --param 'from=2026-09-21 00:00:00' "
                        "(times are UTC; ISO 8601 with an offset is converted)")
    q.add_argument("--format", default="PrettyCompact",
                   help="ClickHouse output format, e.g. CSVWithNames, JSONEachRow (default PrettyCompact)")

    from shopstream.registry import reports
    rp = sub.add_parser("report", help="write a product's report (PNG or self-contained HTML)")
    rps = rp.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    for name, report in reports().items():
        report.add_arguments(rps.add_parser(name, help=report.help))

    sv = sub.add_parser("serving", help="read serving values from Redis")
    svs = sv.add_subparsers(dest="serving_command", required=True)
    sg = svs.add_parser("get", help="print a serving value as JSON")
    sg.add_argument("key", help="a serving key, e.g. profile:u-000042 (each product documents its keys)")

    d = sub.add_parser("dlq", help="dead letters")
    ds = d.add_subparsers(dest="dlq_command", required=True)
    dl = ds.add_parser("list", help="list dead letters, newest first")
    dl.add_argument("--limit", type=int, default=20)
    dl.add_argument("--reason", help="only this reason (prefix match)")
    dr = ds.add_parser("replay", help="re-send corrected dead letters to their source topic")
    dr.add_argument("--fix", metavar="FILE", required=True,
                    help="JSONL of corrected records: {source_topic, source_partition, source_offset, payload}")
    dr.add_argument("--job", help="only dead letters of this job (default: whichever job rejected the record)")

    q = sub.add_parser("dq", help="data quality: run the derived expectation suites against ClickHouse")
    qs = q.add_subparsers(dest="dq_command", required=True)
    qs.add_parser(
        "check", help="run the output and input suites against what ClickHouse holds; exit 1 if one failed",
        formatter_class=argparse.RawDescriptionHelpFormatter, description="""\
Run the expectation suites derived from the output specifications and the event contract against what
ClickHouse holds, print each failed expectation with its table, column, failing rows and a few of their
keys, record every outcome in the dq_runs table, and exit 1 when one failed.

Outputs: the suite of each output with a ClickHouse table runs on that table (FINAL rows of a
ReplacingMergeTree): engine, columns and their types, no nulls, no empty key, no negative version, one
row per key and version. PRODUCT limits the run to that product's outputs.
Inputs (without PRODUCT): input events are in ClickHouse only as raw payloads. A late event was valid,
so it must meet every expectation of its event type (evaluated by Great Expectations; event_id
uniqueness is left out, lateness is decided before deduplication). A dead letter must fail the
expectation its reason names (judged by the contract's validator, as in the job). Dead letters of the
loader (reason loader_error:...) are output rows, not input events, and are left out.""")
    qc = qs.choices["check"]
    qc.add_argument("product", nargs="?", metavar="PRODUCT",
                    help="only this product's outputs (default: every product's, the runtime's and the inputs)")
    qc.add_argument("--batch-rows", type=int,
                    help="rows read and validated at a time (env SHOPSTREAM_DQ__BATCH_ROWS; default 50000)")
    qc.add_argument("--examples", type=int,
                    help="failing rows named per expectation (env SHOPSTREAM_DQ__EXAMPLES; default 5)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("apache_beam", "pyflink", "py4j", "clickhouse_connect", "great_expectations"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = load_settings(args.config)
        return commands.dispatch(args, settings) or 0
    except SettingsError as exc:
        print(f"shopstream: settings: {exc}", file=sys.stderr)
        return 2
    except commands.USER_ERRORS as exc:
        print(f"shopstream: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
