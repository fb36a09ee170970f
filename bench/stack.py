"""A private local stack for one benchmark run, and the settings each target runs with.

The stack (broker, Redis, ClickHouse endpoint) starts on free loopback ports in a folder of its own, the
way the test session starts it (tests/conftest.py), with the ``shopstream.stack`` services. Each target
of each phase gets its own output topics, ClickHouse database and checkpoint folder through
``SHOPSTREAM_*`` environment overrides, so runs never see each other's results.
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shopstream.settings import Settings, TopicSettings, load_settings
from shopstream.stack import process
from shopstream.stack.scoped import environment, running_services

PROJECT_ROOT = Path(__file__).resolve().parents[1]  # the checkout the benchmark runs from

def _input_topic_settings() -> tuple[str, ...]:
    from shopstream.contract import load_contract
    return tuple(s.topic_setting for s in load_contract().values())


INPUT_TOPIC_SETTINGS = _input_topic_settings()


def stack_env(root: Path, checkpoint_interval_ms: int | None = None) -> dict[str, str]:
    """Environment overrides of a private stack under ``root`` on free loopback ports."""
    env = {
        "SHOPSTREAM_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{process.free_port()}",
        "SHOPSTREAM_REDIS__PORT": str(process.free_port()),
        "SHOPSTREAM_CLICKHOUSE__URL": f"http://127.0.0.1:{process.free_port()}",
        "SHOPSTREAM_CLICKHOUSE__DATA_DIR": str(root / "chdb"),
        "SHOPSTREAM_CLICKHOUSE__DATABASE": "bench",
        "SHOPSTREAM_STACK__STATE_DIR": str(root / "state"),
        "SHOPSTREAM_FLINK__CHECKPOINT_DIR": str(root / "checkpoints"),
    }
    if checkpoint_interval_ms is not None:
        env["SHOPSTREAM_FLINK__CHECKPOINT_INTERVAL_MS"] = str(checkpoint_interval_ms)
    return env


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def output_topic_settings() -> list[str]:
    """The runtime's outputs and every registered product's (each target gets its own topics)."""
    from shopstream.registry import products
    own = [f.name for f in dataclasses.fields(TopicSettings) if f.name not in INPUT_TOPIC_SETTINGS
           and f.name != "outputs_renamed"]
    return own + [o.name for p in products() for o in p.outputs]


def target_env(root: Path, phase: str, target: str, *, fresh_inputs: bool) -> dict[str, str]:
    """Overrides for one target in one phase: its own output topics, ClickHouse database and checkpoint
    folder; with ``fresh_inputs`` its own (empty) input topics too."""
    name = f"{slug(phase)}_{slug(target)}"
    env = {f"SHOPSTREAM_TOPICS__{t.upper()}": f"bench.{name}.{t}" for t in output_topic_settings()}
    if fresh_inputs:
        env.update({f"SHOPSTREAM_TOPICS__{t.upper()}": f"bench.{name}.{t}" for t in INPUT_TOPIC_SETTINGS})
    env["SHOPSTREAM_CLICKHOUSE__DATABASE"] = f"bench_{name}"
    env["SHOPSTREAM_FLINK__CHECKPOINT_DIR"] = str(root / "checkpoints" / name)
    return env


def settings_for(env: dict[str, str]) -> Settings:
    return load_settings(env={**os.environ, **env})


@contextmanager
def private_stack(root: Path, checkpoint_interval_ms: int | None = None) -> Iterator[tuple[Settings, list]]:
    """Start the stack; yields its settings and service specs; stops it on exit. The overrides stay in
    ``os.environ`` meanwhile, so every child process talks to this stack."""
    with environment(stack_env(root, checkpoint_interval_ms)):
        settings = load_settings()
        with running_services(settings) as specs:
            yield settings, specs


def migrate(settings: Settings) -> None:
    from shopstream.clickhouse import migrations
    from shopstream.clickhouse.client import connect
    migrations.apply(connect(settings, "writer", database=""), settings)
