"""Micro-benchmark: rolling windows per key with the ``rolling_tiles`` process table function against
Flink SQL's RANGE OVER windows, on a generated stream. Prints figures; not a test.

    python -m bench.rolling_tiles [--events 2000000] [--small 200000] [--keys 50000] [--days 35]
                                  [--variants source,tiles,over,ptf] [--windows 1h,24h,7d,30d]

The stream comes from Flink's ``datagen`` connector (one source subtask, a sequence): ``--events`` rows
over ``--days`` of event time in order, keys drawn from ``--keys`` with a power law (key k has a share
~ k^-0.6: the busiest key ~1% of the rows), seven integer measures per row (as the profile layer's
``user_activity``), a watermark 5 s behind. Each variant writes into a ``blackhole`` sink, parallelism 2,
no checkpoints:

- ``source``: the generated rows alone (the floor every variant pays);
- ``tiles``: one-minute tiles per key (``tumble``), as ``050_user_activity_minute.sql``;
- ``over``: those tiles, then a RANGE OVER window per window length (``060_profile_window.sql``), one
  output row per key, active minute and window;
- ``ptf``: ``rolling_tiles`` on the rows themselves: tiles, windows, and a row at every minute end where a
  window of the key changed (a tile closed or slid out: right as of the watermark);
- ``ptf_on_activity``: the same with ``emit => 'on_activity'``: rows only where a tile closed, as ``over``.

Each variant runs in a process of its own (its JVM included) twice, with ``--small`` and ``--events``
rows; CPU is user + system time of the whole process group from ``/proc`` (``bench.procfs``). The
marginal figures, (large - small) / (events_large - events_small), leave out JVM start, planning and
deployment; they are the per-event cost in steady state.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.procfs import ProcessSampler, wait_group_gone

VARIANTS = ("source", "tiles", "over", "ptf", "ptf_on_activity")
START_MS = 1_790_035_200_000  # 2026-09-22T00:00:00Z
MEASURES = ("events", "views", "clicks", "carts", "engagements", "orders", "spend_minor")
WINDOW_PRECEDING = {"1h": "0 00:59", "24h": "0 23:59", "7d": "6 23:59", "30d": "29 23:59"}


def source_ddl(events: int, keys: int, days: float) -> str:
    """A datagen table of ``events`` rows in event-time order over ``days``; keys with a power law."""
    step_ms = days * 86_400_000 / events
    # u: a multiplicative hash of seq in [0, 1); key = floor(keys * u^2.5) (share of key k ~ k^-0.6)
    u = "(mod(seq * 2654435761, 4294967296) / 4294967296.0)"
    return f"""
create temporary table generated_activity (
    seq bigint,
    user_id as concat('u', cast(cast(floor({keys} * power({u}, 2.5)) as bigint) as string)),
    ts as {START_MS} + cast(seq * {step_ms!r} as bigint),
    rt as to_timestamp_ltz({START_MS} + cast(seq * {step_ms!r} as bigint), 3),
    events as 1,
    `views` as case when mod(seq, 10) < 5 then 1 else 0 end,
    clicks as case when mod(seq, 37) = 0 then 1 else 0 end,
    carts as case when mod(seq, 13) = 0 then 1 else 0 end,
    engagements as case when mod(seq, 17) = 0 then 1 else 0 end,
    orders as case when mod(seq, 53) = 0 then 1 else 0 end,
    spend_minor as case when mod(seq, 53) = 0 then mod(seq * 7919, 20000) else cast(0 as bigint) end,
    watermark for rt as rt - interval '5' second
) with (
    'connector' = 'datagen',
    'scan.parallelism' = '1',
    'rows-per-second' = '1000000000',
    'fields.seq.kind' = 'sequence',
    'fields.seq.start' = '0',
    'fields.seq.end' = '{events - 1}'
)"""


def variant_statements(variant: str, windows: list[str]) -> list[str]:
    """The views, the blackhole sink and the insert of one variant (the last statement is the insert)."""
    measures = ", ".join(f"`{m}`" for m in MEASURES)
    activity = f"create temporary view activity as select user_id, rt, {measures} from generated_activity"
    tiles = ("create temporary view activity_minute as select user_id, window_time as tile_time, "
             "window_end as tile_end, " + ", ".join(f"sum(`{m}`) as `{m}`" for m in MEASURES) +
             " from table(tumble(table activity, descriptor(rt), interval '1' minute)) "
             "group by user_id, window_start, window_end, window_time")
    sums = ", ".join(f"`{m}` bigint" for m in MEASURES)
    if variant == "source":
        return [activity, f"create temporary table sink (user_id string, rt timestamp_ltz(3), {sums}) "
                          "with ('connector' = 'blackhole')",
                f"insert into sink select user_id, rt, {measures} from activity"]
    if variant == "tiles":
        return [activity, tiles, f"create temporary table sink (user_id string, tile_time timestamp_ltz(3), {sums}) "
                                 "with ('connector' = 'blackhole')",
                f"insert into sink select user_id, tile_time, {measures} from activity_minute"]
    if variant == "over":
        views = []
        for w in windows:
            over = ", ".join(f"sum(`{m}`) over w as `{m}`" for m in MEASURES)
            views.append(f"create temporary view window_{w} as select user_id, '{w}' as window_name, "
                         f"tile_end, {over} from activity_minute window w as (partition by user_id order by "
                         f"tile_time range between interval '{WINDOW_PRECEDING[w]}' day to minute preceding "
                         "and current row)")
        union = " union all ".join(f"select * from window_{w}" for w in windows)
        return [activity, tiles, *views,
                f"create temporary table sink (user_id string, window_name string, tile_end timestamp(3), {sums}) "
                "with ('connector' = 'blackhole')",
                f"insert into sink {union}"]
    if variant in ("ptf", "ptf_on_activity"):
        emit = "on_activity" if variant == "ptf_on_activity" else "on_change"
        wide = ", ".join(f"`{m}_{w}` bigint" for m in MEASURES for w in windows)
        return [activity,
                "create temporary function rolling_tiles as 'io.shopstream.operators.RollingTiles' language java",
                f"create temporary table sink (user_id string, as_of_ms bigint, {wide}, rowtime timestamp_ltz(3)) "
                "with ('connector' = 'blackhole')",
                "insert into sink select * from rolling_tiles(input => table activity partition by user_id, "
                f"on_time => descriptor(rt), windows => '{','.join(windows)}', emit => '{emit}', "
                "uid => 'rolling_tiles')"]
    raise ValueError(f"unknown variant {variant!r}; variants: {', '.join(VARIANTS)}")


def child(args) -> None:
    """Run one variant to its end in this process and write when it was submitted and when it finished."""
    from pyflink.common import Configuration
    from pyflink.table import EnvironmentSettings, TableEnvironment

    from shopstream.flink.environment import pipeline_jars
    from shopstream.settings import load_settings

    settings = load_settings()
    conf = Configuration()
    for key, value in {"parallelism.default": "2", "table.local-time-zone": "UTC",
                       "table.exec.mini-batch.enabled": "false", "restart-strategy.type": "none",
                       "taskmanager.memory.managed.size": settings.flink.managed_memory,
                       "pipeline.object-reuse": str(args.object_reuse).lower(),
                       "pipeline.jars": ";".join(j.resolve().as_uri() for j in pipeline_jars(settings))}.items():
        conf.set_string(key, value)
    started = time.time()
    t_env = TableEnvironment.create(EnvironmentSettings.new_instance().in_streaming_mode()
                                    .with_configuration(conf).build())
    t_env.execute_sql(source_ddl(args.events, args.keys, args.days))
    *setup, insert = variant_statements(args.child, args.windows.split(","))
    for statement in setup:
        t_env.execute_sql(statement)
    result = t_env.execute_sql(insert)
    submitted = time.time()
    result.wait()
    Path(args.report).write_text(json.dumps({"started_at": started, "submitted_at": submitted,
                                             "finished_at": time.time()}))


def run_variant(variant: str, events: int, args, workdir: Path) -> dict:
    report = workdir / f"{variant}-{events}.json"
    argv = [sys.executable, "-m", "bench.rolling_tiles", "--child", variant, "--events", str(events),
            "--keys", str(args.keys), "--days", str(args.days), "--windows", args.windows, "--report", str(report),
            *(["--object-reuse"] if args.object_reuse else [])]
    log = (workdir / f"{variant}-{events}.log").open("wb")
    launched = time.time()
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "FLINK_LOG_DIR": str(workdir)})
    sampler = ProcessSampler(groups=[proc.pid], interval_s=0.25, thread_every=8)
    sampler.start()
    code = proc.wait()
    summary = sampler.stop()
    wait_group_gone(proc.pid, 20)
    if code != 0 or not report.exists():
        raise RuntimeError(f"{variant} with {events} events failed (exit {code}); log {log.name} in {workdir}")
    times = json.loads(report.read_text())
    return {"events": events, "cpu_s": summary.cpu_s, "wall_s": time.time() - launched,
            "job_s": times["finished_at"] - times["submitted_at"],
            "top_threads_s": dict(list(summary.cpu_s_by_thread.items())[:8])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.rolling_tiles", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=2_000_000, help="rows of the large run (default 2,000,000)")
    p.add_argument("--small", type=int, default=200_000, help="rows of the small run (default 200,000)")
    p.add_argument("--keys", type=int, default=50_000, help="distinct keys (default 50,000)")
    p.add_argument("--days", type=float, default=35.0, help="days of event time (default 35)")
    p.add_argument("--windows", default="1h,24h,7d,30d", help="window lengths (default 1h,24h,7d,30d)")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated (default {','.join(VARIANTS)})")
    p.add_argument("--object-reuse", action="store_true",
                   help="pipeline.object-reuse: chained operators pass rows without copying them (off in the jobs)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    p.add_argument("--report", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args)
        return 0
    unknown = [w for w in args.windows.split(",") if w not in WINDOW_PRECEDING]
    if unknown:
        p.error(f"windows {unknown}: the over variant knows {', '.join(WINDOW_PRECEDING)}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-rolling-tiles-"))
    print(f"{args.events:,} and {args.small:,} rows, {args.keys:,} keys, {args.days} days, windows {args.windows}"
          f"{', object reuse' if args.object_reuse else ''}; logs in {workdir}", flush=True)
    print(f"{'variant':8} {'rows':>10} {'job s':>7} {'CPU s':>7} {'µs/row':>7} | "
          f"{'marginal rows/s':>15} {'marginal CPU µs/row':>19}", flush=True)
    figures = {}
    for variant in args.variants.split(","):
        small = run_variant(variant, args.small, args, workdir)
        large = run_variant(variant, args.events, args, workdir)
        d_rows = large["events"] - small["events"]
        marginal = {"events_per_s": round(d_rows / max(large["job_s"] - small["job_s"], 1e-3)),
                    "cpu_us_per_event": round((large["cpu_s"] - small["cpu_s"]) / d_rows * 1e6, 2)}
        figures[variant] = {"small": small, "large": large, "marginal": marginal}
        for run in (small, large):
            print(f"{variant:8} {run['events']:>10,} {run['job_s']:>7.1f} {run['cpu_s']:>7.1f} "
                  f"{run['cpu_s'] / run['events'] * 1e6:>7.1f} |", flush=True)
        print(f"{variant:8} {'':>10} {'':>7} {'':>7} {'':>7} | {marginal['events_per_s']:>15,} "
              f"{marginal['cpu_us_per_event']:>19.2f}   top threads (large): {large['top_threads_s']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"arguments": {k: v for k, v in vars(args).items() if k != "json"},
                                         "figures": figures}, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
