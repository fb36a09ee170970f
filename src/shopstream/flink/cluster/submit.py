"""Submitting a PyFlink job file to the cluster with ``bin/flink run``.

The job's client process and the workers run this interpreter (``sys.executable``), passed as
``--pyExecutable``/``--pyClientExecutable``. The JobID is parsed from the client's output ("Job has been
submitted with JobID ..."). A job file that calls ``.wait()`` on its TableResult keeps the client (and
``submit_python_job``) waiting until the job ends, even with ``--detached`` (tried: a bounded job returned
FINISHED); unbounded jobs must not wait.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from shopstream.flink.cluster.errors import ClusterError
from shopstream.flink.cluster.home import flink_env, flink_home, log_dir, prepare_flink_home
from shopstream.flink.cluster.rest import cluster_status, rest_url
from shopstream.resources import home
from shopstream.settings import Settings

_JOB_ID = re.compile(r"JobID ([0-9a-f]{32})")


def flink_run_command(settings: Settings, job_file: Path, args: Sequence[str] = (), detached: bool = True,
                      py_files: Sequence[Path] = (), from_savepoint: Path | None = None,
                      python_executable: str | None = None) -> list[str]:
    """The ``bin/flink run`` command line that submits a PyFlink job file to this stack's cluster."""
    python = python_executable or sys.executable
    f = settings.flink
    cmd = [str(flink_home(settings) / "bin" / "flink"), "run", "--jobmanager", f"{f.rest_address}:{f.rest_port}"]
    if detached:
        cmd.append("--detached")
    if from_savepoint is not None:
        cmd += ["--fromSavepoint", Path(from_savepoint).resolve().as_uri()]
    cmd += ["--python", str(Path(job_file).resolve()), "--pyExecutable", python, "--pyClientExecutable", python]
    if py_files:
        cmd += ["--pyFiles", ",".join(str(Path(p).resolve()) for p in py_files)]
    return [*cmd, *args]


def submit_python_job(settings: Settings, job_file: Path, args: Sequence[str] = (), detached: bool = True,
                      py_files: Sequence[Path] = (), from_savepoint: Path | None = None,
                      timeout_s: float = 300) -> str:
    """Submit ``job_file`` with ``bin/flink run``; returns the JobID that Flink printed."""
    if not Path(job_file).exists():
        raise ClusterError(f"job file {job_file} does not exist")
    if not cluster_status(settings).running:
        raise ClusterError(f"no Flink cluster answers at {rest_url(settings)}; start it first (start_cluster)")
    prepare_flink_home(settings)
    cmd = flink_run_command(settings, job_file, args, detached, py_files, from_savepoint)
    env = flink_env(settings)
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s, cwd=home())
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"`flink run` of {job_file} did not return within {timeout_s:.0f} s") from exc
    output = done.stdout + done.stderr
    found = _JOB_ID.findall(output)
    if done.returncode != 0 or not found:
        raise ClusterError(f"`flink run` of {job_file} failed (exit {done.returncode}); client log in "
                           f"{log_dir(settings)}. Output:\n{_shorten(output)}")
    return found[-1]


def _shorten(text: str, lines: int = 40) -> str:
    all_lines = text.strip().splitlines()
    return "\n".join(all_lines if len(all_lines) <= lines else ["..."] + all_lines[-lines:])
