"""Where a job's checkpoints live, and which one a ``--resume`` restores."""
from __future__ import annotations

import json
import re
from pathlib import Path

from shopstream.settings import Settings

_CHK = re.compile(r"^chk-(\d+)$")


def job_checkpoint_dir(settings: Settings, job: str) -> Path:
    return settings.path(settings.flink.checkpoint_dir) / job


def latest_checkpoint(settings: Settings, job: str) -> Path | None:
    """The newest completed checkpoint (a ``chk-N`` folder holding ``_metadata``) of ``job``."""
    root = job_checkpoint_dir(settings, job)
    best: tuple[float, int, Path] | None = None
    for meta in root.glob("*/chk-*/_metadata"):
        m = _CHK.match(meta.parent.name)
        if not m:
            continue
        key = (meta.stat().st_mtime, int(m.group(1)), meta.parent)
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def run_manifest_path(settings: Settings, job: str) -> Path:
    return job_checkpoint_dir(settings, job) / "run.json"


def write_run_manifest(settings: Settings, job: str, manifest: dict) -> None:
    path = run_manifest_path(settings, job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True))


def read_run_manifest(settings: Settings, job: str) -> dict | None:
    path = run_manifest_path(settings, job)
    return json.loads(path.read_text()) if path.exists() else None
