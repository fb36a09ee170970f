"""Test tiers and the disposable local stack that integration and end-to-end tests share.

The stack (broker, Redis, ClickHouse endpoint) is started by the test session on free loopback ports,
in a temporary folder, and stopped at the end. Settings reach every child process through
SHOPSTREAM_* environment variables, exactly as in production.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from shopstream.settings import load_settings
from shopstream.stack import process
from shopstream.stack.scoped import environment, running_services


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
    with environment(overrides):
        settings = load_settings()
        with running_services(settings):
            from shopstream.clickhouse import migrations
            from shopstream.clickhouse.client import connect
            migrations.apply(connect(settings, "writer", database=""), settings)
            yield settings
