"""/proc parsing and process-tree sampling of the benchmark."""
from __future__ import annotations

import os
import subprocess
import sys

from bench.procfs import CLOCK_TICKS, PAGE_SIZE, ProcessSampler, parse_stat, process_class, thread_group

# a real line with a comm holding a space and a parenthesis (fields after comm: proc(5), from `state`)
STAT = ("4242 (Source: src (1)) S 4240 4100 4100 0 -1 4194560 11 0 0 0 250 75 3 1 20 0 37 0 1234 "
        "5000000000 51200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0")


def test_parse_stat_counts_fields_after_the_last_parenthesis():
    st = parse_stat(STAT)
    assert (st.pid, st.comm, st.state, st.ppid, st.pgrp) == (4242, "Source: src (1)", "S", 4240, 4100)
    assert (st.utime_ticks, st.stime_ticks, st.num_threads, st.rss_pages) == (250, 75, 37, 51200)
    assert st.cpu_s == 325 / CLOCK_TICKS
    assert st.rss_bytes == 51200 * PAGE_SIZE


def test_parse_stat_of_this_process():
    with open(f"/proc/{os.getpid()}/stat") as fh:
        st = parse_stat(fh.read())
    assert st.pid == os.getpid() and st.pgrp == os.getpgrp() and st.rss_bytes > 0


def test_process_class_and_thread_group():
    assert [process_class(c) for c in ("java", "python3.11", "redis-server")] == ["jvm", "python", "other"]
    assert thread_group("pool-3-thread-12") == "pool-#-thread-#"
    assert thread_group("Kafka Fetcher f") == "Kafka Fetcher f"


def test_sampler_counts_cpu_and_memory_of_a_process_group():
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.4: pass\n"
    child = subprocess.Popen([sys.executable, "-c", busy], start_new_session=True)
    sampler = ProcessSampler(groups=[child.pid], interval_s=0.05)
    sampler.start()
    child.wait(timeout=30)
    summary = sampler.stop()
    assert 0.2 <= summary.cpu_s <= 1.0
    assert set(summary.cpu_s_by_class) == {"python"}
    assert summary.peak_rss_bytes_by_class["python"] > 1_000_000
