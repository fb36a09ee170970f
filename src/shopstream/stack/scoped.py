"""Scoped stacks for tests and benchmarks: environment overrides that are undone on exit, and the
local services started for a block and stopped after it."""
from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from shopstream.settings import Settings
from shopstream.stack import process, services


@contextmanager
def environment(overrides: dict[str, str]) -> Iterator[None]:
    """``os.environ`` with ``overrides`` for the block (child processes inherit them), then as before."""
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def running_services(settings: Settings) -> Iterator[list]:
    """The local services of ``settings`` (broker, Redis, ClickHouse endpoint), stopped on exit."""
    specs: list = []
    try:
        for spec in services.local_services(settings):
            process.start(spec)
            specs.append(spec)
        yield specs
    finally:
        for spec in reversed(specs):
            process.stop(spec)
