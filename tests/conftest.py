"""Test tiers and the disposable local stack that integration and end-to-end tests share.

The stack (broker, Redis, ClickHouse endpoint) is started by the test session on free loopback ports,
in a temporary folder, and stopped at the end. Settings reach every child process through
SHOPSTREAM_* environment variables, exactly as in production.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from shopstream.settings import load_settings
from shopstream.stack import process, services


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory):
    """Settings of a fresh local stack, running for the whole session."""
    root: Path = tmp_path_factory.mktemp("stack")
    overrides = {
        "SHOPSTREAM_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{process.free_port()}",
        "SHOPSTREAM_REDIS__PORT": str(process.free_port()),
        "SHOPSTREAM_CLICKHOUSE__URL": f"http://127.0.0.1:{process.free_port()}",
        "SHOPSTREAM_CLICKHOUSE__DATA_DIR": str(root / "chdb"),
        "SHOPSTREAM_CLICKHOUSE__DATABASE": f"test_{uuid.uuid4().hex[:8]}",
        "SHOPSTREAM_STACK__STATE_DIR": str(root / "state"),
        "SHOPSTREAM_FLINK__CHECKPOINT_DIR": str(root / "checkpoints"),
        "SHOPSTREAM_FLINK__CHECKPOINT_INTERVAL_MS": "2000",
    }
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    settings = load_settings()
    specs = services.local_services(settings)
    try:
        for spec in specs:
            process.start(spec)
        from shopstream.clickhouse import migrations
        from shopstream.clickhouse.client import connect
        migrations.apply(connect(settings, "writer", database=""), settings)
        yield settings
    finally:
        for spec in reversed(specs):
            process.stop(spec)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
