"""What a product is to the runtime: one package that brings everything it needs.

A product package (``products/<name>/``) holds its Flink SQL (``sql/``), its output specifications
(``outputs.yaml``), its ClickHouse migrations (``migrations/``), its analyst queries (``queries/``),
its settings class, loader, serving decoder, reports, guide lines and benchmark probe, and exposes one
``PRODUCT = Product(...)``. Registering it is one line in ``products/__init__.py``. The runtime finds
everything through this object; it holds no product names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from shopstream.outputs import OutputSpec, load_outputs


@dataclass(frozen=True)
class Report:
    """A ``shopstream report <name>`` sub-command: ``add_arguments(parser)`` then ``run(args, settings)``."""

    help: str
    add_arguments: Callable[[Any], None]
    run: Callable[[Any, Any], int]


@dataclass(frozen=True)
class Probe:
    """How the benchmark sees a product in Redis. ``freshness(topic_setting, payload)``: for an input
    event, ``(key, field, at_least)`` such that ``HGET key field >= at_least`` once the event shows, or
    None; ``sample_key(raw input record)``: a serving key to read under load, or None."""

    freshness: Callable[[str, dict], tuple[str, str, int] | None]
    sample_key: Callable[[bytes], str | None]


@dataclass(frozen=True, eq=False)
class Product:
    name: str                                      # also its folder under products/ and its default job
    package: str                                   # the Python package (its folder holds sql/, outputs.yaml, ...)
    description: str
    inputs: tuple[str, ...]                        # contract event types it reads (staging reads them once)
    requires: tuple[str, ...] = ()                 # products whose views it reads (included for views only)
    settings: type | None = None                   # its settings class
    section: str | None = None                     # its settings section ([section] in the TOML file)
    params: Callable[[Any, Any], dict[str, str]] = lambda s, o: {}
    variants: Callable[[Any, Any], dict] = lambda s, o: {}
    functions: Callable[[Any], None] = lambda t_env: None
    loaders: Callable[[Any, Any, Any], list] = lambda s, r, c: []
    serving: dict[str, Callable[[dict], dict]] = field(default_factory=dict)  # key prefix -> decoder
    query_params: Callable[[Any], dict[str, str]] = lambda s: {}  # settings values queries may take
    reports: dict[str, Report] = field(default_factory=dict)
    guide: Callable[[Any, Any], str] | None = None  # (settings, analyst client) -> lines for `shopstream guide`
    probe: Probe | None = None
    load_reference: Callable[[Any, Any], str] | None = None  # (writer client, settings) -> what `migrate` loaded
    latency: str = "throughput"                    # what its own job is tuned for ("low" or "throughput")

    @property
    def directory(self) -> Path:
        from shopstream.resources import package_dir
        return package_dir(self.package)

    @property
    def sql_dir(self) -> Path:
        return self.directory / "sql"

    @property
    def migrations_dir(self) -> Path:
        return self.directory / "migrations"

    @property
    def queries_dir(self) -> Path:
        return self.directory / "queries"

    @cached_property
    def outputs(self) -> tuple[OutputSpec, ...]:
        path = self.directory / "outputs.yaml"
        return load_outputs(path) if path.exists() else ()

    @property
    def output_topics(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outputs)


def minute_end_probe(key_prefix: str, id_field: str, version_field: str, *, topic_setting: str = "clickstream",
                     event_type: str | None = None) -> Probe:
    """The usual probe: an input event of ``topic_setting`` (and ``event_type``, if given) shows once
    ``HGET <key_prefix><id> <version_field>`` reaches the end of the event's minute; any record naming an
    ``id_field`` gives a serving key to read."""
    import re

    from shopstream.event_time import minute_end_ms

    pattern = re.compile(rb'"' + id_field.encode() + rb'"\s*:\s*"([^"]+)"')

    def freshness(topic: str, doc: dict):
        if topic != topic_setting or (event_type and doc.get("event_type") != event_type) or not doc.get(id_field):
            return None
        return f"{key_prefix}{doc[id_field]}", version_field, minute_end_ms(int(doc["ts"]))

    def sample_key(raw: bytes):
        m = pattern.search(raw)
        return f"{key_prefix}{m.group(1).decode()}" if m else None

    return Probe(freshness, sample_key)
