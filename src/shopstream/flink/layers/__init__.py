"""SQL layers and the jobs made of them.

A *layer* is one folder of layered SQL files under ``sql/flink/`` with the parameters it renders with,
the Python functions it calls, the topics it reads and writes and the loaders that apply its outputs.
A job is an ordered list of layers, composed into one table environment and one StatementSet, so the
sources are read once however many products a job computes. A layer can be included *for its views
only* (``Use(layer, outputs=False)``): its sinks and INSERTs are left out, and Flink plans only the
views a later layer reads (e.g. the ad job reads the user segment from the profile layer's views).

File names say what a file holds: ``NNN_src_*`` sources, ``NNN_sink_*`` sink tables, ``NNN_insert_*``
inserts; everything else is a view.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from shopstream.flink.environment import RunOptions
from shopstream.flink.sqlfiles import Variants, render_dir, run_statements
from shopstream.settings import REPO_ROOT, Settings

SQL_ROOT = REPO_ROOT / "sql" / "flink"


@dataclass(frozen=True)
class Layer:
    name: str                                   # folder under sql/flink/
    input_topics: tuple[str, ...] = ()          # topic settings read
    output_topics: tuple[str, ...] = ()         # topic settings written
    params: Callable[[Settings, RunOptions], dict[str, str]] = lambda s, o: {}
    variants: Callable[[Settings, RunOptions], Variants] = lambda s, o: {}
    functions: Callable[[object], None] = lambda t_env: None
    loaders: Callable[[Settings, object, object], list] = lambda s, r, c: []

    @property
    def directory(self):
        return SQL_ROOT / self.name


@dataclass(frozen=True)
class Use:
    layer: Layer
    outputs: bool = True


def is_output(file_name: str) -> bool:
    return "_sink_" in file_name or "_insert_" in file_name


def is_source(file_name: str) -> bool:
    return "_src_" in file_name


@dataclass(frozen=True)
class JobSpec:
    """What a job module declares: its name, its layers in order, and whether it is tuned for latency
    (``"low"``: results sooner, more CPU per event) or for throughput (the default)."""

    name: str
    uses: tuple[Use, ...]
    latency: str = "throughput"

    def __post_init__(self) -> None:
        if self.latency not in ("low", "throughput"):
            raise ValueError(f"job {self.name}: latency must be 'low' or 'throughput', not {self.latency!r}")

    @property
    def input_topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for u in self.uses for t in u.layer.input_topics))

    @property
    def output_topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for u in self.uses if u.outputs for t in u.layer.output_topics))

    def params(self, settings: Settings, options: RunOptions) -> dict[str, str]:
        params = {"job": self.name}
        for use in self.uses:
            params.update(use.layer.params(settings, options))
        return params

    def render(self, settings: Settings, options: RunOptions) -> list[tuple[str, str]]:
        """``(layer/file, statement)`` of every file this job runs, in order."""
        params = self.params(settings, options)
        out = []
        for use in self.uses:
            for name, stmt in render_dir(use.layer.directory, params, use.layer.variants(settings, options)):
                if use.outputs or not is_output(name):
                    out.append((f"{use.layer.name}/{name}", stmt))
        return out

    def register_functions(self, t_env) -> None:
        for use in self.uses:
            use.layer.functions(t_env)

    def build(self, t_env, settings: Settings, options: RunOptions):
        """Register tables, views and functions on ``t_env``; returns the StatementSet of the inserts."""
        self.register_functions(t_env)
        return run_statements(t_env, self.render(settings, options))

    def loaders(self, settings: Settings, redis_client, ch_client) -> list:
        appliers: list = []
        for use in self.uses:
            if use.outputs:
                appliers.extend(use.layer.loaders(settings, redis_client, ch_client))
        return appliers


def uses(*items: Layer | Use) -> tuple[Use, ...]:
    return tuple(i if isinstance(i, Use) else Use(i) for i in items)

