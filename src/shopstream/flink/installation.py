"""The pieces of the Flink installation that a local job and the standalone cluster both use.

The ``pyflink`` package folder (Flink's bin/, lib/, opt/), the Kafka connector jars of
``settings.stack.jars_dir``, and ``python.pythonpath`` of the Python workers.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

from shopstream.settings import Settings

CONNECTOR_JARS = ("flink-connector-kafka.jar", "kafka-clients.jar")


class FlinkSetupError(RuntimeError):
    """A piece of the Flink installation is missing or unusable; the message says how to get it."""


def pyflink_dir() -> Path:
    """The installed ``pyflink`` package folder, which holds Flink's bin/, lib/ and opt/ (not imported)."""
    spec = importlib.util.find_spec("pyflink")
    if spec is None or not spec.submodule_search_locations:
        raise FlinkSetupError("pyflink is not installed in this interpreter; install apache-flink (make install)")
    return Path(next(iter(spec.submodule_search_locations)))


def connector_jars(settings: Settings) -> list[Path]:
    """The Kafka connector jars in ``settings.stack.jars_dir``, all of which must exist."""
    jars_dir = settings.path(settings.stack.jars_dir)
    jars = [jars_dir / name for name in CONNECTOR_JARS]
    missing = [j for j in jars if not j.exists()]
    if missing:
        raise FlinkSetupError(f"Kafka connector jars missing: {', '.join(map(str, missing))}. "
                              "Run `make install` to fetch them.")
    return jars


def python_worker_path(python_executable: str | None = None) -> str:
    """``python.pythonpath`` of the workers: the interpreter's site-packages and shopstream's import root
    (the packages mapped from the project's folders are found through the install: see shopstream/__init__).

    Needed in ``thread`` mode: the TaskManager embeds the *base* interpreter (pemja), which neither sees a
    venv's site-packages nor runs the ``.pth`` import hook of an editable install.
    """
    snippet = ("import importlib.util, json, os, site; s = importlib.util.find_spec('shopstream'); "
               "print(json.dumps(site.getsitepackages() + "
               "([os.path.dirname(os.path.dirname(s.origin))] if s and s.origin else [])))")
    done = subprocess.run([python_executable or sys.executable, "-c", snippet], capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        raise FlinkSetupError(
            f"cannot run the Python worker interpreter {python_executable}: {done.stderr.strip()}")
    return os.pathsep.join(dict.fromkeys(json.loads(done.stdout)))


def operators_jar(settings: Settings) -> Path:
    """shopstream's Java operators (``java/``, e.g. the ``rolling_tiles`` table function), compiled by the
    bootstrap against the jars of the pip-installed Flink."""
    jar = settings.path(settings.stack.operators_jar)
    if not jar.is_file():
        raise FlinkSetupError(f"shopstream's Java operators jar is missing: {jar} (settings stack.operators_jar). "
                              "Run `make install`, or `python -m shopstream.flink.operators build` "
                              "(needs javac: Debian package openjdk-17-jdk-headless), to compile java/ into it.")
    return jar


def pipeline_jars(settings: Settings) -> list[Path]:
    """Every jar a job ships with: the Kafka connector and shopstream's operators."""
    return [*connector_jars(settings), operators_jar(settings)]

