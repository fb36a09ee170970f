"""Where shopstream's data files are, wherever the package is installed.

The project's top-level data folders (``sql/``, ``schemas/``, ``config/``, ``flink-conf/``) install
with the package as ``shopstream.sql``, ``shopstream.schemas``, ``shopstream.config`` and
``shopstream.flink_conf`` (setup.py), so nothing depends on where a checkout lies. Relative paths in
settings (state, jars, checkpoints) are taken from ``SHOPSTREAM_HOME``, else the working directory.
"""
from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path

DATA_PACKAGES = {"sql": "shopstream.sql", "schemas": "shopstream.schemas", "config": "shopstream.config",
                 "flink-conf": "shopstream.flink_conf"}


def package_dir(package: str) -> Path:
    """The folder of an importable package (data packages included)."""
    module = import_module(package)
    return Path(next(iter(module.__path__))).resolve()


def data_dir(folder: str) -> Path:
    """The installed location of one of the data folders named in ``DATA_PACKAGES``."""
    if folder not in DATA_PACKAGES:
        raise KeyError(f"unknown data folder {folder!r}; known: {', '.join(DATA_PACKAGES)}")
    return package_dir(DATA_PACKAGES[folder])


def home() -> Path:
    """The base of relative settings paths: ``SHOPSTREAM_HOME`` or the working directory."""
    return Path(os.environ.get("SHOPSTREAM_HOME") or os.getcwd()).resolve()
