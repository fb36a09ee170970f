"""CPU time and memory of process trees, read from /proc (Linux).

A benchmark target runs in a process group of its own (the driver, the JVM it starts and any Python
worker processes); ``ProcessSampler`` reads ``/proc/<pid>/stat`` of every member periodically and keeps,
per process, the last CPU time seen (utime + stime) and, per process class (``jvm``, ``python``,
``other``), the peak of the summed resident set size. Per-thread CPU (``/proc/<pid>/task``) shows
which JVM threads (Flink operators, Kafka clients, Python function runners) take the time.
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcStat:
    """The fields of ``/proc/<pid>/stat`` (or ``/proc/<pid>/task/<tid>/stat``) the benchmark uses."""

    pid: int
    comm: str
    state: str
    ppid: int
    pgrp: int
    utime_ticks: int
    stime_ticks: int
    num_threads: int
    rss_pages: int

    @property
    def cpu_s(self) -> float:
        return (self.utime_ticks + self.stime_ticks) / CLOCK_TICKS

    @property
    def rss_bytes(self) -> int:
        return self.rss_pages * PAGE_SIZE


def parse_stat(text: str) -> ProcStat:
    """Parse one stat line. ``comm`` is in parentheses and may itself hold spaces and parentheses,
    so the fields after it are counted from the last ``)``."""
    left, right = text.index("("), text.rindex(")")
    pid = int(text[:left].strip())
    comm = text[left + 1:right]
    rest = text[right + 2:].split()
    # rest[0] is field 3 of proc(5): state; field k is rest[k - 3]
    return ProcStat(pid=pid, comm=comm, state=rest[0], ppid=int(rest[1]), pgrp=int(rest[2]),
                    utime_ticks=int(rest[11]), stime_ticks=int(rest[12]), num_threads=int(rest[17]),
                    rss_pages=int(rest[21]))


def read_stat(path: str | Path) -> ProcStat | None:
    """The parsed stat file, or None when the process (or thread) is gone."""
    try:
        with open(path) as fh:
            return parse_stat(fh.read())
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, IndexError):
        return None


def process_class(comm: str) -> str:
    """``jvm`` for Java processes, ``python`` for Python interpreters, else ``other``."""
    if comm.startswith("java"):
        return "jvm"
    if comm.startswith(("python", "pyflink")):
        return "python"
    return "other"


def pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def thread_group(name: str) -> str:
    """A thread name with its numbers replaced by ``#``, so that threads doing the same work add up:
    ``pool-3-thread-12`` -> ``pool-#-thread-#`` (Linux keeps the first 15 characters of a name)."""
    return re.sub(r"\d+", "#", name.strip()) or name


@dataclass
class _Seen:
    comm: str
    cls: str
    first_ticks: int
    last_ticks: int


@dataclass
class SampleSummary:
    """What a sampler saw between ``start()`` and ``stop()``."""

    cpu_s: float
    cpu_s_by_class: dict[str, float]
    peak_rss_bytes_by_class: dict[str, int]
    peak_rss_bytes: int
    processes: int
    cpu_s_by_thread: dict[str, float] = field(default_factory=dict)
    samples: int = 0


class ProcessSampler(threading.Thread):
    """Samples every process whose process group is in ``groups`` (they are counted from zero: they
    started with the measurement) and the processes ``baseline_pids`` (counted from their first
    sample: services that were already running)."""

    def __init__(self, groups: list[int] | None = None, baseline_pids: list[int] | None = None,
                 interval_s: float = 0.5, threads: bool = True, thread_every: int = 1):
        super().__init__(name="process-sampler", daemon=True)
        self.groups = set(groups or [])
        self.baseline_pids = set(baseline_pids or [])
        self.interval_s = interval_s
        self.threads = threads
        self.thread_every = thread_every
        self._seen: dict[int, _Seen] = {}
        self._thread_ticks: dict[tuple[int, int], tuple[str, int]] = {}
        self._peak_by_class: dict[str, int] = {}
        self._peak_total = 0
        self._samples = 0
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def add_group(self, pgid: int) -> None:
        with self._lock:
            self.groups.add(pgid)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval_s)

    def sample(self) -> None:
        rss_by_class: dict[str, int] = {}
        with self._lock:
            groups, baseline = set(self.groups), set(self.baseline_pids)
        for pid in pids():
            st = read_stat(f"/proc/{pid}/stat")
            if st is None:
                continue
            in_group = st.pgrp in groups
            if not in_group and pid not in baseline:
                continue
            ticks = st.utime_ticks + st.stime_ticks
            seen = self._seen.get(pid)
            if seen is None:
                seen = self._seen[pid] = _Seen(st.comm, process_class(st.comm), 0 if in_group else ticks, ticks)
            seen.last_ticks = ticks
            seen.comm = st.comm
            if in_group:
                seen.cls = process_class(st.comm)
                rss_by_class[seen.cls] = rss_by_class.get(seen.cls, 0) + st.rss_bytes
                if self.threads and st.num_threads > 1 and self._samples % self.thread_every == 0:
                    self._sample_threads(pid)
        for cls, rss in rss_by_class.items():
            self._peak_by_class[cls] = max(self._peak_by_class.get(cls, 0), rss)
        self._peak_total = max(self._peak_total, sum(rss_by_class.values()))
        self._samples += 1

    def _sample_threads(self, pid: int) -> None:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            return
        for tid in tids:
            st = read_stat(f"/proc/{pid}/task/{tid}/stat")
            if st is not None:
                self._thread_ticks[(pid, int(tid))] = (st.comm, st.utime_ticks + st.stime_ticks)

    def stop(self) -> SampleSummary:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=10)
        self.sample()
        return self.summary()

    def thread_cpu_s(self) -> dict[str, float]:
        """CPU seconds so far per thread group (see ``thread_group``)."""
        by_thread: dict[str, float] = {}
        for comm, ticks in list(self._thread_ticks.values()):
            key = thread_group(comm)
            by_thread[key] = by_thread.get(key, 0.0) + ticks / CLOCK_TICKS
        return by_thread

    def summary(self) -> SampleSummary:
        by_class: dict[str, float] = {}
        for seen in self._seen.values():
            by_class[seen.cls] = by_class.get(seen.cls, 0.0) + (seen.last_ticks - seen.first_ticks) / CLOCK_TICKS
        by_thread = self.thread_cpu_s()
        return SampleSummary(cpu_s=round(sum(by_class.values()), 3),
                             cpu_s_by_class={k: round(v, 3) for k, v in sorted(by_class.items())},
                             peak_rss_bytes_by_class=dict(sorted(self._peak_by_class.items())),
                             peak_rss_bytes=self._peak_total, processes=len(self._seen),
                             cpu_s_by_thread={k: round(v, 2) for k, v in
                                              sorted(by_thread.items(), key=lambda kv: -kv[1]) if v >= 0.01},
                             samples=self._samples)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def wait_group_gone(pgid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not group_alive(pgid):
            return True
        time.sleep(0.1)
    return not group_alive(pgid)
