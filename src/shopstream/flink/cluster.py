"""A local standalone Flink cluster built from the pip-installed PyFlink, and job submission to it.

``apache-flink`` from PyPI ships a whole Flink distribution inside the ``pyflink`` package (``bin/``,
``lib/``, ``opt/``, ``plugins/``, ``conf/``), but running it as a standalone cluster took this:

* **A FLINK_HOME of our own** (``<state_dir>/flink-home``): ``bin``, ``opt`` and ``plugins`` are links into
  pyflink; ``lib/`` is a folder of links to pyflink's ``lib/*`` plus ``opt/flink-python-*.jar`` plus the
  Kafka connector jars from ``settings.stack.jars_dir`` and shopstream's operators jar (``stack.operators_jar``);
  ``conf/config.yaml`` is rendered from the template
  ``flink-conf/config.yaml`` and the log4j files are linked from pyflink's ``conf/``. (``flink run -py``
  ships flink-python with each job, so Python jobs also ran without it in ``lib/``; it is there so that the
  Python runtime loads once per TaskManager, for jobs submitted any other way too, as in the docker image.)
* **FLINK_OPT_DIR resolved**: the client looks for flink-python with ``Files.walkFileTree``, which does not
  enter a linked folder ("Found 0 flink-python jar").
* **FLINK_HOME exported with ``_FLINK_HOME_DETERMINED=1``**: ``bin/config.sh`` otherwise derives FLINK_HOME
  from ``pwd -P`` of ``bin/``, i.e. from the resolved link, and would use pyflink's own ``lib/`` and ``conf/``.
* **No ``start-cluster.sh``**: it ssh-es to every host in ``conf/masters``/``workers`` that is not literally
  ``localhost``; ``bin/jobmanager.sh start`` and ``bin/taskmanager.sh start`` are called directly, and
  stopping signals the pids of their pid files.
* **Ports and pid files per stack**: the REST port comes from settings, the JobManager RPC port is the REST
  port + 1 (settings have no field for it), the TaskManager RPC/data ports and the blob port are 0 (any free
  port), and ``env.pid.dir``/``env.log.dir`` live under ``state_dir``, so that a test cluster on other ports
  and state dir never touches a developer's cluster.
* **Python**: the workers and the job's client process both run the interpreter that renders the
  configuration (``sys.executable``: the project's venv, which has pyflink and ``shopstream`` installed),
  set as ``python.executable``/``python.client.executable`` and passed again as ``--pyExecutable``/
  ``--pyClientExecutable``. In ``thread`` mode the TaskManager embeds the *base* interpreter (pemja), which
  sees neither the venv's site-packages nor the editable install's import hook ("No module named
  'pemja'"): ``python.pythonpath`` lists the venv's site-packages, shopstream's import root and the
  repository root.
* **The JobID is parsed from the client's output** ("Job has been submitted with JobID ..."). A job file
  that calls ``.wait()`` on its TableResult keeps the client (and ``submit_python_job``) waiting until the
  job ends, even with ``--detached`` (tried: a bounded job returned FINISHED); unbounded jobs must not wait.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Iterable, Sequence

from shopstream.flink.environment import pipeline_jars
from shopstream.settings import REPO_ROOT, Settings, load_settings

CONF_TEMPLATE = REPO_ROOT / "flink-conf" / "config.yaml"
IDENT = "shopstream"  # FLINK_IDENT_STRING: names the pid and log files of the daemons
_JOB_ID = re.compile(r"JobID ([0-9a-f]{32})")
TERMINAL_STATES = frozenset({"FINISHED", "FAILED", "CANCELED", "SUSPENDED"})


class ClusterError(RuntimeError):
    """The local Flink cluster could not be started, reached or used; the message says where to look."""


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


# --- FLINK_HOME -------------------------------------------------------------------------------------

def pyflink_dir() -> Path:
    """The installed ``pyflink`` package folder, which holds Flink's bin/, lib/ and opt/ (not imported)."""
    spec = importlib.util.find_spec("pyflink")
    if spec is None or not spec.submodule_search_locations:
        raise ClusterError("pyflink is not installed in this interpreter; install apache-flink (make install)")
    return Path(next(iter(spec.submodule_search_locations)))


def state_dir(settings: Settings) -> Path:
    return settings.path(settings.stack.state_dir).resolve()


def flink_home(settings: Settings) -> Path:
    return state_dir(settings) / "flink-home"


def log_dir(settings: Settings) -> Path:
    return state_dir(settings) / "logs" / "flink"


def pid_dir(settings: Settings) -> Path:
    return state_dir(settings) / "flink-pids"


def jobmanager_rpc_port(settings: Settings) -> int:
    """The JobManager's RPC port: the REST port + 1 (by convention; settings have no field for it)."""
    return settings.flink.rest_port + 1


def rest_url(settings: Settings) -> str:
    return f"http://{settings.flink.rest_address}:{settings.flink.rest_port}"


def python_worker_path(python_executable: str | None = None) -> str:
    """``python.pythonpath`` of the workers: the interpreter's site-packages, shopstream's import root and
    the repository root.

    Needed in ``thread`` mode: the TaskManager embeds the *base* interpreter (pemja), which neither sees a
    venv's site-packages nor runs the ``.pth`` import hook of an editable install.
    """
    snippet = ("import importlib.util, json, os, site; s = importlib.util.find_spec('shopstream'); "
               "print(json.dumps(site.getsitepackages() + "
               "([os.path.dirname(os.path.dirname(s.origin))] if s and s.origin else [])))")
    done = subprocess.run([python_executable or sys.executable, "-c", snippet], capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise ClusterError(f"cannot run the Python worker interpreter {python_executable}: {done.stderr.strip()}")
    # The repository root holds the job files' own top-level packages (jobs/, udfs/, models/).
    return os.pathsep.join(dict.fromkeys([*json.loads(done.stdout), str(REPO_ROOT)]))


def config_params(settings: Settings, python_executable: str | None = None) -> dict[str, str]:
    """The values of the ``${name}`` placeholders of ``flink-conf/config.yaml``."""
    f = settings.flink
    checkpoints = settings.path(f.checkpoint_dir).resolve()
    return {
        "rest_address": f.rest_address,
        "rest_port": str(f.rest_port),
        "jobmanager_rpc_port": str(jobmanager_rpc_port(settings)),
        "parallelism": str(f.parallelism),
        "checkpoint_interval_ms": str(f.checkpoint_interval_ms),
        "checkpoint_uri": checkpoints.as_uri(),
        "savepoint_uri": (state_dir(settings) / "savepoints").as_uri(),
        "python_executable": python_executable or sys.executable,
        "python_path": python_worker_path(python_executable),
        "python_execution_mode": f.python_execution_mode,
        "bundle_size": str(f.bundle_size),
        "log_dir": str(log_dir(settings)),
        "pid_dir": str(pid_dir(settings)),
    }


def render_config(settings: Settings, template: Path = CONF_TEMPLATE,
                  python_executable: str | None = None) -> str:
    """``flink-conf/config.yaml`` with its placeholders filled from settings."""
    try:
        return Template(template.read_text()).substitute(config_params(settings, python_executable))
    except KeyError as exc:
        raise ClusterError(f"{template}: no value for placeholder ${{{exc.args[0]}}}; "
                           "add it to shopstream.flink.cluster.config_params") from exc


def _link(target: Path, link: Path) -> None:
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(target)


def prepare_flink_home(settings: Settings) -> Path:
    """Create (or refresh) ``<state_dir>/flink-home`` for this settings' cluster; returns its path."""
    src = pyflink_dir()
    python_jars = sorted((src / "opt").glob("flink-python-*.jar"))
    if len(python_jars) != 1:
        raise ClusterError(f"expected one flink-python-*.jar in {src / 'opt'}, found {len(python_jars)}; "
                           "reinstall apache-flink")
    home = flink_home(settings)
    for sub in ("lib", "conf"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    for name in ("bin", "opt", "plugins"):
        _link(src / name, home / name)

    lib = home / "lib"
    wanted = {p.name: p for p in sorted((src / "lib").glob("*.jar"))}
    wanted[python_jars[0].name] = python_jars[0]
    try:
        wanted.update({p.name: p.resolve() for p in pipeline_jars(settings)})
    except RuntimeError as exc:
        raise ClusterError(str(exc)) from exc
    for stale in lib.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    for name, target in wanted.items():
        _link(target, lib / name)

    conf = home / "conf"
    for name in ("log4j.properties", "log4j-cli.properties", "log4j-console.properties",
                 "log4j-session.properties", "logback.xml", "logback-console.xml"):
        if (src / "conf" / name).exists():
            _link(src / "conf" / name, conf / name)
    write_config(settings, conf / "config.yaml")
    pid_dir(settings).mkdir(parents=True, exist_ok=True)
    return home


def write_config(settings: Settings, output: Path, python_executable: str | None = None) -> Path:
    """Render the configuration into ``output`` and create the folders it names (logs, checkpoints)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_config(settings, python_executable=python_executable))
    for d in (log_dir(settings), settings.path(settings.flink.checkpoint_dir), state_dir(settings) / "savepoints"):
        d.mkdir(parents=True, exist_ok=True)
    return output


def flink_env(settings: Settings) -> dict[str, str]:
    """The environment for Flink's bin/ scripts, pointing them at our FLINK_HOME rather than pyflink's."""
    home = flink_home(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLINK_")}
    env.update({
        "FLINK_HOME": str(home),
        "_FLINK_HOME_DETERMINED": "1",
        "FLINK_CONF_DIR": str(home / "conf"),
        "FLINK_LIB_DIR": str(home / "lib"),
        # Resolved: the client finds flink-python-*.jar with Files.walkFileTree, which does not enter a link.
        "FLINK_OPT_DIR": str((home / "opt").resolve()),
        "FLINK_PLUGINS_DIR": str(home / "plugins"),
        "FLINK_LOG_DIR": str(log_dir(settings)),
        "FLINK_PID_DIR": str(pid_dir(settings)),
        "FLINK_IDENT_STRING": IDENT,
    })
    return env


def _script(settings: Settings, args: Sequence[str], timeout_s: float = 60) -> subprocess.CompletedProcess:
    # A new session: the daemons the scripts fork outlive the caller and ignore its Ctrl-C.
    return subprocess.run([str(flink_home(settings) / "bin" / args[0]), *args[1:]], env=flink_env(settings),
                          capture_output=True, text=True, timeout=timeout_s, start_new_session=True)


# --- REST ---------------------------------------------------------------------------------------------

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


def _port_open(host: str, port: int) -> bool:
    import socket
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


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
            if _port_open(f.rest_address, port):
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


def _start_daemon(settings: Settings, script: str) -> None:
    done = _script(settings, [script, "start"])
    if done.returncode != 0:
        raise ClusterError(f"Flink {script} start failed (exit {done.returncode}): "
                           f"{(done.stdout + done.stderr).strip()}\nLogs in {log_dir(settings)}")


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


# --- Jobs ----------------------------------------------------------------------------------------------

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
    # The job's client process imports the job file's siblings and the repository's top-level packages.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s, cwd=REPO_ROOT)
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


# --- Command line: `python -m shopstream.flink.cluster ...` ---------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shopstream.flink.cluster",
                                     description="The local standalone Flink cluster of shopstream.")
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render-conf", help="write flink-conf/config.yaml rendered from settings")
    render.add_argument("--output", type=Path, required=True)
    render.add_argument("--python", default=os.environ.get("SHOPSTREAM_FLINK_PYTHON"),
                        help="python.executable of the workers (env SHOPSTREAM_FLINK_PYTHON; default: this one)")
    sub.add_parser("start")
    sub.add_parser("stop")
    sub.add_parser("status")
    sub.add_parser("jobs")
    submit = sub.add_parser("submit")
    submit.add_argument("job_file", type=Path)
    submit.add_argument("job_args", nargs=argparse.REMAINDER)
    cancel = sub.add_parser("cancel")
    cancel.add_argument("job_id")
    ns = parser.parse_args(argv)
    settings = load_settings()
    try:
        if ns.command == "render-conf":
            write_config(settings, ns.output, python_executable=ns.python)
        elif ns.command == "start":
            print(f"flink: {start_cluster(settings)} at {rest_url(settings)}")
        elif ns.command == "stop":
            print(f"flink: {stop_cluster(settings)}")
        elif ns.command == "status":  # exit status 1 when down: usable as a container health check
            status = cluster_status(settings)
            print(status)
            return 0 if status.running else 1
        elif ns.command == "jobs":
            for job in list_jobs(settings):
                print(f"{job.job_id}  {job.state:<10} {job.name}")
        elif ns.command == "submit":
            print(submit_python_job(settings, ns.job_file, ns.job_args))
        elif ns.command == "cancel":
            cancel_job(settings, ns.job_id)
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
