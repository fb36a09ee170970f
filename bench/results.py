"""Benchmark results: the machine, ratios to the peers, the issue's targets, and the Markdown summary.

Everything here is pure (text in, values out) so it is unit-tested; ``bench.run`` gathers the figures.
"""
from __future__ import annotations

from typing import Any

PROFILE_JOB = "user_profiles"
PEERS = ("java_sql", "python_consumer", "flink_floor")

# (label, path in a target's figures, format) of the Markdown table rows
ROWS: list[tuple[str, tuple[str, ...], str]] = [
    ("events/s sustained (first to last write)", ("throughput", "events_per_s"), "{:,.0f}"),
    ("events/s over the whole run", ("throughput", "events_per_s_wall"), "{:,.0f}"),
    ("wall time, s", ("throughput", "wall_s"), "{:.1f}"),
    ("start-up to first write, s", ("throughput", "startup_s"), "{:.1f}"),
    ("Flink job done (drained), s", ("throughput", "flink_done_s"), "{:.1f}"),
    ("CPU µs/event, target's processes", ("throughput", "cpu", "us_per_event"), "{:,.1f}"),
    ("  of which after the first write", ("throughput", "cpu", "us_per_event_after_first_write"), "{:,.1f}"),
    ("CPU µs/event, broker + Redis + ClickHouse", ("throughput", "cpu", "stack_us_per_event"), "{:,.1f}"),
    ("peak RSS JVM, MB", ("throughput", "memory", "peak_rss_mb", "jvm"), "{:,.0f}"),
    ("peak RSS Python, MB", ("throughput", "memory", "peak_rss_mb", "python"), "{:,.0f}"),
    ("state: largest checkpoint, MB", ("throughput", "state", "checkpoint_max_mb"), "{:,.2f}"),
    ("state: final savepoint / pickled state, MB", ("throughput", "state", "final_mb"), "{:,.2f}"),
    ("ClickHouse insert rows/s (inside insert calls)", ("throughput", "clickhouse", "insert_rows_per_s"), "{:,.0f}"),
    ("ClickHouse rows/s over the run", ("throughput", "clickhouse", "rows_per_s_run"), "{:,.0f}"),
    ("ClickHouse bytes/row on disk", ("throughput", "clickhouse", "bytes_per_row_disk"), "{:,.1f}"),
    ("ClickHouse bytes/row uncompressed", ("throughput", "clickhouse", "bytes_per_row_uncompressed"), "{:,.1f}"),
    ("freshness rate, events/s", ("freshness", "rate_achieved"), "{:,.0f}"),
    ("profile freshness p50 / p99, ms", ("freshness", "products", "user_profiles", "freshness_ms"), "p50p99"),
    ("  of which event-time wait p50 / p99, ms", ("freshness", "products", "user_profiles", "event_time_wait_ms"), "p50p99"),
    ("  of which pipeline p50 / p99, ms", ("freshness", "products", "user_profiles", "pipeline_ms"), "p50p99"),
    ("ad freshness p50 / p99, ms", ("freshness", "products", "ad_features", "freshness_ms"), "p50p99"),
    ("  of which event-time wait p50 / p99, ms ", ("freshness", "products", "ad_features", "event_time_wait_ms"), "p50p99"),
    ("  of which pipeline p50 / p99, ms ", ("freshness", "products", "ad_features", "pipeline_ms"), "p50p99"),
    ("profile read p50 / p99, ms (at that rate)", ("freshness", "reads", "user_profiles", "service_ms"), "p50p99"),
    ("ad read p50 / p99, ms (at that rate)", ("freshness", "reads", "ad_features", "service_ms"), "p50p99"),
    ("profile read p50 / p99, ms (at max rate)", ("throughput", "reads", "user_profiles", "service_ms"), "p50p99"),
    ("ad read p50 / p99, ms (at max rate)", ("throughput", "reads", "ad_features", "service_ms"), "p50p99"),
]

# figure -> (path, higher is better)
RATIO_FIGURES: dict[str, tuple[tuple[str, ...], bool]] = {
    "events_per_s": (("throughput", "events_per_s"), True),
    "events_per_s_wall": (("throughput", "events_per_s_wall"), True),
    "cpu_us_per_event": (("throughput", "cpu", "us_per_event"), False),
    "peak_rss_mb": (("throughput", "memory", "peak_rss_mb", "total"), False),
    "freshness_p99_ms": (("freshness", "products", "user_profiles", "freshness_ms", "p99"), False),
}


def dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def machine_info(cpuinfo: str, meminfo: str) -> dict:
    """CPU model, logical cores and memory from the texts of /proc/cpuinfo and /proc/meminfo."""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
              if line.lower().startswith("model name")]
    cores = sum(1 for line in cpuinfo.splitlines() if line.lower().startswith("processor"))
    mem_kb = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    return {"cpu": models[0] if models else "unknown", "cores": cores, "memory_gib": round(mem_kb / 2**20, 1)}


def result_stem(date: str, commit: str) -> str:
    """``2026-11-26-abc1234``: the file name (without suffix) of a run's results."""
    return f"{date[:10]}-{commit}"


def ratio(value: float | None, peer: float | None) -> float | None:
    if value is None or peer in (None, 0):
        return None
    return round(value / peer, 3)


def ratios(targets: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """Each shopstream target's figures divided by each peer's (``value / peer``)."""
    out: dict[str, dict[str, dict]] = {}
    for name, figures in targets.items():
        if figures.get("kind") == "peer":
            continue
        for peer in PEERS:
            if peer not in targets:
                continue
            out.setdefault(name, {})[peer] = {
                figure: ratio(dig(figures, path), dig(targets[peer], path))
                for figure, (path, _) in RATIO_FIGURES.items()}
    return out


def checks(targets: dict[str, dict], whole_pipeline: str | None) -> list[dict]:
    """The issue's targets on this machine, each with its value and whether it passed (None: not measured)."""
    out: list[dict] = []

    def add(target: str, what: str, value, limit: str, passed) -> None:
        out.append({"target": target, "what": what, "value": value, "limit": limit,
                    "pass": None if value is None else bool(passed)})

    if whole_pipeline and whole_pipeline in targets:
        eps = dig(targets[whole_pipeline], ("throughput", "events_per_s"))
        add(whole_pipeline, "whole pipeline events/s sustained", eps, ">= 50,000", eps is not None and eps >= 50_000)
    job = targets.get(PROFILE_JOB)
    if job is not None:
        eps = dig(job, ("throughput", "events_per_s"))
        for peer, factor in (("java_sql", 0.6), ("python_consumer", 2.0)):
            if peer in targets:
                r = ratio(eps, dig(targets[peer], ("throughput", "events_per_s")))
                add(PROFILE_JOB, f"events/s vs {peer}", r, f">= {factor}x", r is not None and r >= factor)
    for name, figures in targets.items():
        if figures.get("kind") == "peer":
            continue
        for product, fig in (dig(figures, ("freshness", "products")) or {}).items():
            p99 = dig(fig, ("freshness_ms", "p99"))
            add(name, f"{product} freshness p99 at half the max rate, ms", p99, "<= 1000",
            p99 is not None and p99 <= 1000)
        for product, fig in (dig(figures, ("freshness", "reads")) or {}).items():
            p99 = dig(fig, ("service_ms", "p99"))
            add(name, f"{product} Redis read p99 at half the max rate, ms", p99, "<= 2", p99 is not None and p99 <= 2)
    return out


def _cell(value: Any, fmt: str) -> str:
    if fmt == "p50p99":
        if not isinstance(value, dict) or value.get("p50") is None:
            return "–"
        return f"{value['p50']:,.1f} / {value['p99']:,.1f}"
    if value is None:
        return "–"
    return fmt.format(value)


def _verdict(passed: bool | None) -> str:
    return {True: "pass", False: "**miss**", None: "not measured"}[passed]


def to_markdown(results: dict) -> str:
    """A short summary: the run, one column per target, ratios to the peers, the targets."""
    targets: dict[str, dict] = results["targets"]
    names = list(targets)
    m = results["machine"]
    lines = [
        f"# Benchmark {results['date'][:10]} ({results['commit']}{', uncommitted changes' if results.get('dirty') else ''})",
        "",
        (f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {results['events']:,} events "
         f"({results['generation']['users']:,} users, {results['generation']['days']} days of traffic, "
         f"{results['generation'].get('shape', 'default')} shape); "
         f"Flink parallelism {results['settings']['parallelism']}, checkpoints every "
         f"{results['settings']['checkpoint_interval_ms']} ms. Definitions: README.md, section Benchmarks."),
        "",
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for label, path, fmt in ROWS:
        cells = [_cell(dig(targets[n], path), fmt) for n in names]
        if all(c == "–" for c in cells):
            continue
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    errors = [(n, t["error"]) for n, t in targets.items() if t.get("error")]
    if errors:
        lines += ["", "Failed targets: " + "; ".join(f"{n}: {e}" for n, e in errors)]
    table = results.get("ratios") or {}
    if table:
        lines += ["", "Ratios (shopstream / peer; higher is better for events/s, lower for the others):", "",
                  "| target | peer | " + " | ".join(RATIO_FIGURES) + " |",
                  "|---|---|" + "---:|" * len(RATIO_FIGURES)]
        for name, by_peer in table.items():
            for peer, values in by_peer.items():
                cells = ["–" if values[f] is None else f"{values[f]:.2f}" for f in RATIO_FIGURES]
                lines.append(f"| {name} | {peer} | " + " | ".join(cells) + " |")
    if results.get("checks"):
        lines += ["", "Targets of the issue on this machine:", "", "| target | figure | value | limit | |",
                  "|---|---|---:|---|---|"]
        for c in results["checks"]:
            value = "–" if c["value"] is None else f"{c['value']:,.3g}" if isinstance(c["value"], float) else f"{c['value']:,}"
            lines.append(f"| {c['target']} | {c['what']} | {value} | {c['limit']} | {_verdict(c['pass'])} |")
    agreement = results.get("agreement")
    if agreement:
        lines += ["", "Same results: " + "; ".join(
            f"{n}: {a['same']}/{a['users']} users identical to {a['reference']}" for n, a in agreement.items()) + "."]
    return "\n".join(lines) + "\n"
