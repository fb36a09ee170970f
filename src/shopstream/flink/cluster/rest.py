"""A client of the JobManager's REST API: the cluster's overview and the jobs it knows."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterable

from shopstream.flink.cluster.errors import ClusterError
from shopstream.settings import Settings

TERMINAL_STATES = frozenset({"FINISHED", "FAILED", "CANCELED", "SUSPENDED"})


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    rest_url: str
    taskmanagers: int = 0
    slots_total: int = 0
    slots_available: int = 0
    jobs_running: int = 0
    flink_version: str = ""


@dataclass(frozen=True)
class JobInfo:
    job_id: str
    name: str
    state: str
    start_time_ms: int


def rest_url(settings: Settings) -> str:
    return f"http://{settings.flink.rest_address}:{settings.flink.rest_port}"


def _rest(settings: Settings, method: str, path: str, timeout_s: float = 5) -> Any:
    req = urllib.request.Request(rest_url(settings) + path, method=method)
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def cluster_status(settings: Settings) -> ClusterStatus:
    """What the JobManager's REST ``/overview`` says, or ``running=False`` when nothing answers."""
    try:
        ov = _rest(settings, "GET", "/overview", timeout_s=2)
    except (OSError, ValueError):
        return ClusterStatus(running=False, rest_url=rest_url(settings))
    if not isinstance(ov, dict) or "taskmanagers" not in ov:
        return ClusterStatus(running=False, rest_url=rest_url(settings))
    return ClusterStatus(running=True, rest_url=rest_url(settings), taskmanagers=ov["taskmanagers"],
                         slots_total=ov.get("slots-total", 0), slots_available=ov.get("slots-available", 0),
                         jobs_running=ov.get("jobs-running", 0), flink_version=ov.get("flink-version", ""))


def list_jobs(settings: Settings) -> list[JobInfo]:
    """Every job the cluster knows, newest first."""
    body = _rest(settings, "GET", "/jobs/overview")
    jobs = [JobInfo(j["jid"], j["name"], j["state"], j.get("start-time", 0)) for j in body.get("jobs", [])]
    return sorted(jobs, key=lambda j: j.start_time_ms, reverse=True)


def job_state(settings: Settings, job_id: str) -> str:
    try:
        return _rest(settings, "GET", f"/jobs/{job_id}")["state"]
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise ClusterError(f"the cluster at {rest_url(settings)} knows no job {job_id}") from exc
        raise


def wait_for_job(settings: Settings, job_id: str, states: Iterable[str] = TERMINAL_STATES,
                 timeout_s: float = 120) -> str:
    """Poll the job until it reaches one of ``states`` (or any terminal state); returns the state."""
    wanted = set(states) | TERMINAL_STATES
    deadline = time.monotonic() + timeout_s
    state = job_state(settings, job_id)
    while state not in wanted:
        if time.monotonic() > deadline:
            raise ClusterError(f"job {job_id} still {state} after {timeout_s:.0f} s; see {rest_url(settings)}")
        time.sleep(0.5)
        state = job_state(settings, job_id)
    return state


def job_exceptions(settings: Settings, job_id: str) -> str:
    """The root exception of a failed job, as the REST API reports it ('' when there is none)."""
    body = _rest(settings, "GET", f"/jobs/{job_id}/exceptions")
    root = (body.get("exceptionHistory") or {}).get("entries") or []
    return root[0].get("stacktrace", "") if root else ""


def cancel_job(settings: Settings, job_id: str) -> None:
    """Ask the cluster to cancel ``job_id`` (checkpoints are retained: RETAIN_ON_CANCELLATION)."""
    try:
        _rest(settings, "PATCH", f"/jobs/{job_id}?mode=cancel")
    except urllib.error.HTTPError as exc:
        raise ClusterError(f"cancel of job {job_id} at {rest_url(settings)} failed: HTTP {exc.code}") from exc
