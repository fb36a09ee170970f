"""The cluster's own FLINK_HOME, built from the pip-installed PyFlink, and its rendered configuration.

* **A FLINK_HOME of our own** (``<state_dir>/flink-home``): ``bin``, ``opt`` and ``plugins`` are links into
  pyflink; ``lib/`` is a folder of links to pyflink's ``lib/*`` plus ``opt/flink-python-*.jar`` plus the
  Kafka connector jars from ``settings.stack.jars_dir``; ``conf/config.yaml`` is rendered from the template
  ``flink-conf/config.yaml`` and the log4j files are linked from pyflink's ``conf/``. (``flink run -py``
  ships flink-python with each job, so Python jobs also ran without it in ``lib/``; it is there so that the
  Python runtime loads once per TaskManager, for jobs submitted any other way too, as in the docker image.)
* **FLINK_OPT_DIR resolved**: the client looks for flink-python with ``Files.walkFileTree``, which does not
  enter a linked folder ("Found 0 flink-python jar").
* **FLINK_HOME exported with ``_FLINK_HOME_DETERMINED=1``**: ``bin/config.sh`` otherwise derives FLINK_HOME
  from ``pwd -P`` of ``bin/``, i.e. from the resolved link, and would use pyflink's own ``lib/`` and ``conf/``.
* **Ports and pid files per stack**: the REST port comes from settings, the JobManager RPC port is the REST
  port + 1 (settings have no field for it), the TaskManager RPC/data ports and the blob port are 0 (any free
  port), and ``env.pid.dir``/``env.log.dir`` live under ``state_dir``, so that a test cluster on other ports
  and state dir never touches a developer's cluster.
* **Python**: the workers run the interpreter that renders the configuration (``sys.executable``: the
  project's venv, which has pyflink and ``shopstream`` installed), set as ``python.executable``/
  ``python.client.executable``; ``python.pythonpath`` is ``installation.python_worker_path``.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from string import Template

from shopstream.flink.cluster.errors import ClusterError
from shopstream.flink.installation import FlinkSetupError, pipeline_jars, pyflink_dir, python_worker_path
from shopstream.resources import data_dir
from shopstream.settings import Settings

CONF_TEMPLATE = data_dir("flink-conf") / "config.yaml"
IDENT = "shopstream"  # FLINK_IDENT_STRING: names the pid and log files of the daemons


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
                           "add it to shopstream.flink.cluster.home.config_params") from exc
    except FlinkSetupError as exc:
        raise ClusterError(str(exc)) from exc


def write_config(settings: Settings, output: Path, python_executable: str | None = None) -> Path:
    """Render the configuration into ``output`` and create the folders it names (logs, checkpoints)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_config(settings, python_executable=python_executable))
    for d in (log_dir(settings), settings.path(settings.flink.checkpoint_dir), state_dir(settings) / "savepoints"):
        d.mkdir(parents=True, exist_ok=True)
    return output


def _link(target: Path, link: Path) -> None:
    if link.is_symlink() or link.is_file():
        link.unlink()
    elif link.is_dir():
        shutil.rmtree(link)
    link.symlink_to(target)


def prepare_flink_home(settings: Settings) -> Path:
    """Create (or refresh) ``<state_dir>/flink-home`` for this settings' cluster; returns its path."""
    try:
        src, connectors = pyflink_dir(), pipeline_jars(settings)
    except FlinkSetupError as exc:
        raise ClusterError(str(exc)) from exc
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
    wanted.update({p.name: p.resolve() for p in connectors})
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
