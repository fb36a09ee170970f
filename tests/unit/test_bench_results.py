"""Results of the benchmark: machine description, ratios to peers, targets and the Markdown summary."""
from __future__ import annotations

from bench.results import checks, machine_info, ratios, result_stem, to_markdown

CPUINFO = """processor\t: 0
model name\t: AMD EPYC 7B13
processor\t: 1
model name\t: AMD EPYC 7B13
"""
MEMINFO = "MemTotal:       24576000 kB\nMemFree:         1000 kB\n"


def target(kind, eps, cpu, p99=None, read_p99=None):
    t = {"kind": kind, "error": None,
         "throughput": {"events_per_s": eps, "events_per_s_wall": eps / 2, "wall_s": 10.0,
                        "cpu": {"us_per_event": cpu}, "memory": {"peak_rss_mb": {"jvm": 900, "total": 1000}}}}
    if p99 is not None:
        t["freshness"] = {"products": {"profile": {"freshness_ms": {"p50": p99 / 2, "p99": p99}}},
                          "reads": {"profile": {"service_ms": {"p50": 0.3, "p99": read_p99}}}}
    return t


TARGETS = {"user_profiles": target("job", 30_000, 60.0, p99=1500.0, read_p99=1.2),
           "java_sql": target("peer", 40_000, 40.0),
           "python_consumer": target("peer", 12_000, 80.0)}


def test_machine_info_from_proc_texts():
    assert machine_info(CPUINFO, MEMINFO) == {"cpu": "AMD EPYC 7B13", "cores": 2, "memory_gib": 23.4}


def test_result_stem():
    assert result_stem("2026-11-26T10:11:12+00:00", "abc1234") == "2026-11-26-abc1234"


def test_ratios_divide_shopstream_by_each_peer():
    r = ratios(TARGETS)
    assert set(r) == {"user_profiles"}
    assert r["user_profiles"]["java_sql"]["events_per_s"] == 0.75
    assert r["user_profiles"]["python_consumer"]["events_per_s"] == 2.5
    assert r["user_profiles"]["java_sql"]["cpu_us_per_event"] == 1.5
    assert r["user_profiles"]["java_sql"]["freshness_p99_ms"] is None


def test_checks_of_the_issue_targets():
    by_what = {c["what"]: c for c in checks(TARGETS, "user_profiles")}
    assert by_what["whole pipeline events/s sustained"]["pass"] is False
    assert by_what["events/s vs java_sql"] == {"target": "user_profiles", "what": "events/s vs java_sql",
                                              "value": 0.75, "limit": ">= 0.6x", "pass": True}
    assert by_what["events/s vs python_consumer"]["pass"] is True
    assert by_what["profile freshness p99 at half the max rate, ms"]["pass"] is False
    assert by_what["profile Redis read p99 at half the max rate, ms"]["pass"] is True


def test_markdown_has_one_column_per_target_and_the_verdicts():
    results = {"date": "2026-11-26T10:11:12+00:00", "commit": "abc1234", "dirty": False,
               "machine": machine_info(CPUINFO, MEMINFO), "events": 20_000,
               "generation": {"users": 2000, "days": 2.0},
               "settings": {"parallelism": 2, "checkpoint_interval_ms": 5000},
               "targets": TARGETS, "ratios": ratios(TARGETS), "checks": checks(TARGETS, "user_profiles"),
               "agreement": {"java_sql": {"reference": "user_profiles", "users": 10, "same": 10}}}
    md = to_markdown(results)
    assert md.startswith("# Benchmark 2026-11-26 (abc1234)")
    assert "| figure | user_profiles | java_sql | python_consumer |" in md
    assert "| events/s sustained (first to last write) | 30,000 | 40,000 | 12,000 |" in md
    assert "| user_profiles | java_sql | 0.75 | 0.75 | 1.50 | 1.00 | – |" in md
    assert "| user_profiles | whole pipeline events/s sustained | 30,000 | >= 50,000 | **miss** |" in md
    assert "java_sql: 10/10 users identical to user_profiles" in md
    assert "ad freshness" not in md  # rows nobody measured are left out


def test_top_deltas_are_the_largest_increases():
    from bench.run import top_deltas
    end = {"C# CompilerThre": 30.0, "Source: KafkaSo": 9.0, "python": 4.0, "idle": 1.0}
    start = {"C# CompilerThre": 25.0, "python": 0.5, "idle": 1.0}
    assert top_deltas(end, start, n=2) == {"Source: KafkaSo": 9.0, "C# CompilerThre": 5.0}
