"""Managed local services: start detached, record a pid file, wait until ready, stop, report status."""
from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence


class ServiceError(RuntimeError):
    """A local service could not be started or reached; the message says why and where to look."""


@dataclass(frozen=True)
class ServiceSpec:
    """How to run one local service."""

    name: str
    argv: Sequence[str]
    host: str
    port: int
    state_dir: Path
    ready: Callable[[], bool]
    env: dict[str, str] | None = None
    start_timeout_s: float = 60.0

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / f"{self.name}.log"


def port_is_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port nobody listens on now (for tests)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def read_pid(spec: ServiceSpec) -> int | None:
    try:
        pid = int(spec.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError as exc:
        if exc.errno == errno.ESRCH:
            return None
    return pid


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log written)"


def start(spec: ServiceSpec) -> str:
    """Start ``spec`` unless it is already running; returns 'started' or 'already running'."""
    pid = read_pid(spec)
    if pid is not None and spec.ready():
        return "already running"
    if pid is None and port_is_open(spec.host, spec.port):
        raise ServiceError(
            f"{spec.name}: port {spec.host}:{spec.port} is taken by another process. "
            f"Stop it, or choose another port in config/shopstream.toml (or with an environment override).")
    if not Path(spec.argv[0]).exists() and "/" in spec.argv[0]:
        raise ServiceError(f"{spec.name}: binary {spec.argv[0]} is missing. Run `make install` first.")
    spec.log_file.parent.mkdir(parents=True, exist_ok=True)
    log = spec.log_file.open("ab")
    env = {**os.environ, **(spec.env or {})}
    proc = subprocess.Popen(list(spec.argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=env, start_new_session=True)
    spec.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + spec.start_timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            spec.pid_file.unlink(missing_ok=True)
            raise ServiceError(f"{spec.name} exited with code {proc.returncode} while starting. "
                               f"Log {spec.log_file}:\n{_log_tail(spec.log_file)}")
        try:
            if spec.ready():
                return "started"
        except Exception:  # a readiness probe may fail in any way until the service is up
            pass
        time.sleep(0.2)
    stop(spec)
    raise ServiceError(f"{spec.name} did not become ready within {spec.start_timeout_s:.0f} s. "
                       f"Log {spec.log_file}:\n{_log_tail(spec.log_file)}")


def stop(spec: ServiceSpec, timeout_s: float = 15.0) -> str:
    pid = read_pid(spec)
    if pid is None:
        spec.pid_file.unlink(missing_ok=True)
        return "not running"
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            # a child of ours stays a zombie until reaped
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    break
            except ChildProcessError:
                pass
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    spec.pid_file.unlink(missing_ok=True)
    return "stopped"


def status(spec: ServiceSpec) -> str:
    pid = read_pid(spec)
    if pid is None:
        return "down"
    try:
        ok = spec.ready()
    except Exception:
        ok = False
    return f"up (pid {pid})" if ok else f"starting or unhealthy (pid {pid}); log {spec.log_file}"
