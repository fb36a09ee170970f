"""Starting and stopping the cluster's JobManager and TaskManager daemons.

No ``start-cluster.sh``: it ssh-es to every host in ``conf/masters``/``workers`` that is not literally
``localhost``; ``bin/jobmanager.sh start`` and ``bin/taskmanager.sh start`` are called directly, and
stopping signals the pids of their pid files.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterable, Sequence

from shopstream.flink.cluster.errors import ClusterError
from shopstream.flink.cluster.home import (
    IDENT,
    flink_env,
    flink_home,
    jobmanager_rpc_port,
    log_dir,
    pid_dir,
    prepare_flink_home,
)
from shopstream.flink.cluster.rest import cluster_status, rest_url
from shopstream.settings import Settings
from shopstream.stack.process import port_is_open

JOBMANAGER, TASKMANAGER = "standalonesession", "taskexecutor"  # daemon names in pid and log files


def start_cluster(settings: Settings, timeout_s: float = 90) -> str:
    """Start a JobManager and one TaskManager unless they are up; returns 'started' or 'already running'."""
    status = cluster_status(settings)
    if status.running and status.slots_total > 0:
        return "already running"
    f = settings.flink
    start_jobmanager = not status.running and not _pids(settings, JOBMANAGER)
    if start_jobmanager:
        for port in (f.rest_port, jobmanager_rpc_port(settings)):
            if port_is_open(f.rest_address, port):
                raise ClusterError(
                    f"Flink: port {f.rest_address}:{port} is taken by another process. Stop it, or choose "
                    "another SHOPSTREAM_FLINK__REST_PORT (the JobManager also uses REST port + 1).")
    prepare_flink_home(settings)
    # Both at once: the TaskManager retries its registration until the JobManager is up.
    if start_jobmanager:
        _start_daemon(settings, "jobmanager.sh")
    if not _pids(settings, TASKMANAGER):
        _start_daemon(settings, "taskmanager.sh")
    deadline = time.monotonic() + timeout_s
    while not cluster_status(settings).slots_total:
        for daemon in (JOBMANAGER, TASKMANAGER):
            if not _pids(settings, daemon):
                raise ClusterError(f"Flink {daemon} exited while starting. Logs in {log_dir(settings)}:\n"
                                   f"{_tail(_logs(settings, daemon))}")
        if time.monotonic() > deadline:
            raise ClusterError(f"Flink: no TaskManager slots at {rest_url(settings)} after {timeout_s:.0f} s. "
                               f"Logs in {log_dir(settings)}:\n"
                               f"{_tail(_logs(settings, JOBMANAGER) + _logs(settings, TASKMANAGER))}")
        time.sleep(0.5)
    return "started"


def stop_cluster(settings: Settings, timeout_s: float = 20) -> str:
    """Stop this stack's TaskManager and JobManager; returns 'stopped' or 'not running'.

    Both get SIGTERM at once (what ``bin/*.sh stop`` sends, without two JVM starts to read the config),
    and SIGKILL if they are still alive after ``timeout_s``.
    """
    pids = _pids(settings, TASKMANAGER) + _pids(settings, JOBMANAGER)
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in filter(_alive, pids):
        _signal(pid, signal.SIGKILL)
    for daemon in (TASKMANAGER, JOBMANAGER):
        (pid_dir(settings) / f"flink-{IDENT}-{daemon}.pid").unlink(missing_ok=True)
    return "stopped" if pids else "not running"


def _start_daemon(settings: Settings, script: str) -> None:
    done = _script(settings, [script, "start"])
    if done.returncode != 0:
        raise ClusterError(f"Flink {script} start failed (exit {done.returncode}): "
                           f"{(done.stdout + done.stderr).strip()}\nLogs in {log_dir(settings)}")


def _script(settings: Settings, args: Sequence[str], timeout_s: float = 60) -> subprocess.CompletedProcess:
    # A new session: the daemons the scripts fork outlive the caller and ignore its Ctrl-C.
    return subprocess.run([str(flink_home(settings) / "bin" / args[0]), *args[1:]], env=flink_env(settings),
                          capture_output=True, text=True, timeout=timeout_s, start_new_session=True)


def _pids(settings: Settings, daemon: str) -> list[int]:
    """The live processes of ``daemon`` listed in its pid file (written by bin/flink-daemon.sh)."""
    try:
        lines = (pid_dir(settings) / f"flink-{IDENT}-{daemon}.pid").read_text().split()
    except FileNotFoundError:
        return []
    return [int(line) for line in lines if line.isdigit() and _alive(int(line))]


def _logs(settings: Settings, daemon: str) -> list[Path]:
    return sorted(log_dir(settings).glob(f"flink-{IDENT}-{daemon}-*"))


def _tail(paths: Iterable[Path], lines: int = 20) -> str:
    out = []
    for p in paths:
        text = p.read_text(errors="replace").splitlines()[-lines:] if p.exists() else []
        out.append(f"--- {p}\n" + "\n".join(text))
    return "\n".join(out) or "(no log written)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
