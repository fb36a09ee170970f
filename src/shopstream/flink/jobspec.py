"""Jobs made of layers: the staging layer, then one SQL layer per product.

A *layer* is one folder of layered SQL files with the parameters it renders with, the Python functions
it calls, its outputs (specifications from which its Flink sink tables derive) and the loaders that
apply them. A job names products; it runs staging for the event types they read, the layers of the
products they require for their views only (sinks and INSERTs left out: Flink plans only the views a
later layer reads), then the products themselves, all in one table environment and one StatementSet,
so each source is read once however many products a job computes.

File names say what a file holds: ``NNN_src_*`` sources, ``NNN_insert_*`` inserts; everything else is
a view. Sink tables are not files: they derive from the layer's ``outputs.yaml``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from shopstream.flink import staging_layer
from shopstream.flink.environment import RunOptions
from shopstream.flink.params import sink_params
from shopstream.flink.sqlfiles import Variants, render_dir, run_statements
from shopstream.outputs import OutputSpec
from shopstream.product import Product
from shopstream.settings import Settings


@dataclass(frozen=True)
class Layer:
    name: str
    directory: Path
    outputs: tuple[OutputSpec, ...] = ()
    params: Callable[[Settings, RunOptions], dict[str, str]] = lambda s, o: {}
    variants: Callable[[Settings, RunOptions], Variants] = lambda s, o: {}
    functions: Callable[[object], None] = lambda t_env: None
    loaders: Callable[[Settings, object, object], list] = lambda s, r, c: []


@dataclass(frozen=True)
class Use:
    layer: Layer
    outputs: bool = True


def is_output(file_name: str) -> bool:
    return "_insert_" in file_name


def is_source(file_name: str) -> bool:
    return "_src_" in file_name


def product_layer(product: Product) -> Layer:
    def params(settings: Settings, options: RunOptions) -> dict[str, str]:
        return {**product.params(settings, options), **sink_params(settings, product.output_topics)}

    return Layer(product.name, product.sql_dir, product.outputs, params, product.variants, product.functions,
                 product.loaders)


def staging(events: tuple[str, ...]) -> Layer:
    return Layer("staging", staging_layer.STAGING_DIR, staging_layer.RUNTIME_OUTPUTS, staging_layer.params,
                 lambda s, o: staging_layer.variants(s, o, events),
                 lambda t_env: staging_layer.functions(t_env, events), staging_layer.loaders)


@dataclass(frozen=True)
class JobSpec:
    """What a job declares: its name, the products it computes (the registry's order), and whether it
    is tuned for latency (``"low"``: results sooner, more CPU per event) or for throughput (the default)."""

    name: str
    products: tuple[str, ...]
    latency: str = "throughput"
    layers: tuple[Use, ...] | None = None  # a job assembled by hand (e.g. a benchmark peer); else derived

    def __post_init__(self) -> None:
        if self.latency not in ("low", "throughput"):
            raise ValueError(f"job {self.name}: latency must be 'low' or 'throughput', not {self.latency!r}")
        if not self.products:
            raise ValueError(f"job {self.name}: names no product")

    @property
    def product_objects(self) -> list[Product]:
        from shopstream.registry import with_requirements
        return with_requirements(self.products)

    @property
    def events(self) -> tuple[str, ...]:
        """The contract event types read, in contract order."""
        from shopstream.contract import load_contract
        wanted = {e for p in self.product_objects for e in p.inputs}
        return tuple(e for e in load_contract() if e in wanted)

    @property
    def uses(self) -> tuple[Use, ...]:
        if self.layers is not None:
            return self.layers
        return (Use(staging(self.events)),) + tuple(
            Use(product_layer(p), outputs=p.name in self.products) for p in self.product_objects)

    @property
    def input_topics(self) -> tuple[str, ...]:
        """Topic settings read (one per event type)."""
        from shopstream.contract import load_contract
        contract = load_contract()
        return tuple(contract[e].topic_setting for e in self.events)

    @property
    def output_topics(self) -> tuple[str, ...]:
        """Topic settings written (the names of the outputs)."""
        return tuple(o.name for u in self.uses if u.outputs for o in u.layer.outputs)

    def params(self, settings: Settings, options: RunOptions) -> dict[str, str]:
        params = {"job": self.name}
        for use in self.uses:
            params.update(use.layer.params(settings, options))
        return params

    def render(self, settings: Settings, options: RunOptions) -> list[tuple[str, str]]:
        """``(layer/file, statement)`` of every statement this job runs, in order: a layer's views, its
        sink tables, then its inserts."""
        params = self.params(settings, options)
        out = []
        for use in self.uses:
            rendered = render_dir(use.layer.directory, params, use.layer.variants(settings, options))
            out += [(f"{use.layer.name}/{name}", stmt) for name, stmt in rendered if not is_output(name)]
            if use.outputs:
                out += [(f"{use.layer.name}/outputs.yaml#{o.name}", _render_sink(o, params)) for o in use.layer.outputs]
                out += [(f"{use.layer.name}/{name}", stmt) for name, stmt in rendered if is_output(name)]
        return out

    def register_functions(self, t_env) -> None:
        from shopstream.flink.operators import FUNCTIONS
        for name, java_class in FUNCTIONS.items():
            t_env.execute_sql(f"create temporary function if not exists {name} as '{java_class}' language java")
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


def _render_sink(spec: OutputSpec, params: dict[str, str]) -> str:
    from shopstream.flink.sqlfiles import SqlTemplate
    return SqlTemplate(spec.sink_ddl()).substitute(params)
