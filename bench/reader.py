"""Serving reads while a pipeline runs: Redis read latency as a serving service would see it.

    python -m bench.reader --keys FILE --rate 500 --out FILE

``FILE`` holds one ``product<TAB>key`` per line (``profile<TAB>profile:u-000042``). The reader sends reads
on a fixed schedule (``rate`` a second, keys drawn at random, products in turn), as the read-only
serving user, one ``HGETALL`` per read, until SIGTERM or SIGINT; then writes per product the latency of
each read (from sending the command to having the decoded reply, ms: ``service_ms``), the latency from
the read's scheduled time (``scheduled_ms``, which also counts waiting behind a slow earlier read or for
the CPU), and how many keys were missing (not written yet; their reads are not in the latencies). It runs in its own process so that the benchmark's other
threads do not delay it.
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import threading
import time
from pathlib import Path

from bench.stats import summarize


def read_keys(path: Path) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            product, key = line.split("\t", 1)
            keys.setdefault(product, []).append(key)
    return keys


def run(client, keys: dict[str, list[str]], rate: float, stop: threading.Event, seed: int = 7) -> dict:
    rng = random.Random(seed)
    products = sorted(keys)
    service: dict[str, list[float]] = {p: [] for p in products}
    scheduled: dict[str, list[float]] = {p: [] for p in products}
    missing = {p: 0 for p in products}
    period = 1.0 / rate
    start = time.perf_counter()
    i = 0
    while not stop.is_set():
        due = start + i * period
        now = time.perf_counter()
        if due > now:
            time.sleep(due - now)
        elif now - due > 1.0:  # starved for over a second: restart the schedule rather than burst
            start, i, due = now, 0, now
        product = products[i % len(products)]
        key = rng.choice(keys[product])
        sent = time.perf_counter()
        value = client.hgetall(key)
        done = time.perf_counter()
        if value:
            service[product].append(done - sent)
            scheduled[product].append(done - due)
        else:
            missing[product] += 1
        i += 1
    return {p: {"reads": len(service[p]) + missing[p], "missing": missing[p], "service_ms": summarize(service[p], 1000),
                "scheduled_ms": summarize(scheduled[p], 1000)} for p in products}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=Path, required=True)
    parser.add_argument("--rate", type=float, default=500.0, help="reads a second (default 500)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    from shopstream.serving.redis_client import connect
    from shopstream.settings import load_settings

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    client = connect(load_settings(), "serving")
    figures = run(client, read_keys(args.keys), args.rate, stop)
    args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
