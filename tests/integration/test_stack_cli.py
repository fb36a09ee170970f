"""`shopstream up/status/down` on free ports, and the errors a user sees when a service cannot start."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from tests.paths import PROJECT_ROOT as REPO_ROOT
from shopstream.stack.process import free_port

pytestmark = pytest.mark.integration


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shopstream.cli.main", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def stack_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHOPSTREAM_")}
    env.update({
        "SHOPSTREAM_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
        "SHOPSTREAM_REDIS__PORT": str(free_port()),
        "SHOPSTREAM_CLICKHOUSE__URL": f"http://127.0.0.1:{free_port()}",
        "SHOPSTREAM_CLICKHOUSE__DATA_DIR": str(tmp_path / "chdb"),
        "SHOPSTREAM_STACK__STATE_DIR": str(tmp_path / "state"),
    })
    yield env
    run_cli(env, "down")


def test_up_is_idempotent_and_down_stops_everything(stack_env):
    first = run_cli(stack_env, "up")
    assert first.returncode == 0, first.stderr
    assert "applied 0004" in first.stdout and "applied 0006" in first.stdout
    assert "reference   ad_campaigns " in first.stdout and " 0 rows" not in first.stdout
    again = run_cli(stack_env, "up")
    assert again.returncode == 0 and again.stdout.count("already running") == 3
    assert "ad_campaigns 0 rows written, ad_ads 0 rows written" in again.stdout  # migrate loads references once
    status = run_cli(stack_env, "status")
    assert status.stdout.count("up (pid") == 3
    down = run_cli(stack_env, "down")
    assert down.stdout.count("stopped") == 3
    assert run_cli(stack_env, "status").stdout.count("down") == 3


def test_a_taken_port_is_named_with_what_to_do(stack_env):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        stack_env["SHOPSTREAM_KAFKA__BOOTSTRAP_SERVERS"] = f"127.0.0.1:{squatter.getsockname()[1]}"
        done = run_cli(stack_env, "up")
    assert done.returncode == 1
    assert "is taken by another process" in done.stderr and "config/shopstream.toml" in done.stderr


def test_a_missing_binary_says_how_to_install_it(stack_env, tmp_path):
    stack_env["SHOPSTREAM_STACK__BIN_DIR"] = str(tmp_path / "no-bin")
    done = run_cli(stack_env, "up")
    assert done.returncode == 1
    assert "is missing" in done.stderr and "make install" in done.stderr
