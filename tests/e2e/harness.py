"""Helpers for end-to-end tests: run the CLI as a user would, read topics and sinks back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from confluent_kafka import Consumer, TopicPartition

from shopstream.broker import end_offsets
from shopstream.clickhouse.client import connect as ch_connect
from shopstream.products.user_profiles.layout import PROCESS_FIELDS
from shopstream.products.user_profiles.serving import decode_profile
from shopstream.serving.redis_client import connect as redis_connect
from shopstream.settings import Settings
from tests.paths import PROJECT_ROOT as REPO_ROOT

from tests.e2e.reference import KafkaRecord


def shopstream(*args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    """Run `shopstream ARGS` in a child process with this session's SHOPSTREAM_* settings."""
    done = subprocess.run([sys.executable, "-m", "shopstream.cli.main", *args], cwd=REPO_ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        causes = [ln for ln in done.stderr.splitlines() if "Exception" in ln and not ln.lstrip().startswith("at ")]
        raise AssertionError(f"shopstream {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n"
                             + "\n".join(causes[:10]) + f"\n...\n{done.stderr[-3000:]}")
    return done


def start_shopstream(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shopstream.cli.main", *args], cwd=REPO_ROOT, env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def kill_hard(proc: subprocess.Popen) -> None:
    """SIGKILL the whole process group: the JVM, the Python workers and the loader die mid-write."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def read_topic(settings: Settings, topic: str) -> list[KafkaRecord]:
    ends = end_offsets(settings.kafka.bootstrap_servers, topic)
    c = Consumer({"bootstrap.servers": settings.kafka.bootstrap_servers, "group.id": f"e2e-{time.time_ns()}",
                  "enable.auto.commit": False})
    c.assign([TopicPartition(topic, p, 0) for p in ends])
    out: list[KafkaRecord] = []
    got = {p: 0 for p in ends}
    deadline = time.monotonic() + 120
    while any(got[p] < ends[p] for p in ends) and time.monotonic() < deadline:
        for m in c.consume(10_000, 0.5):
            if m.error():
                continue
            got[m.partition()] = m.offset() + 1
            out.append(KafkaRecord(topic, m.partition(), m.offset(), m.timestamp()[1], m.value()))
    c.close()
    return out


def redis_profiles(settings: Settings) -> dict[str, dict]:
    r = redis_connect(settings, "serving")
    out = {}
    for key in r.scan_iter("profile:*", count=1000):
        p = decode_profile(r.hgetall(key))
        for f in PROCESS_FIELDS:
            p.pop(f, None)
        out[key.split(":", 1)[1]] = p
    return out


def ch_rows(settings: Settings, query: str) -> list[tuple]:
    return [tuple(r) for r in ch_connect(settings, "analyst").query(query).result_rows]
