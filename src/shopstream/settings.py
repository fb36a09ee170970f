"""Typed, frozen settings: one TOML file overridden by environment variables.

Every endpoint, port, path, password and topic name used anywhere in shopstream comes from here.
Environment overrides use ``SHOPSTREAM_<SECTION>__<FIELD>`` (e.g. ``SHOPSTREAM_REDIS__PORT=6390``);
``SHOPSTREAM_CONFIG`` names the file (default: the installed ``config/shopstream.toml``).
Secrets are ``Secret`` values: they print as ``'***'`` and are read with ``.reveal()``.

The runtime's own sections are declared here; each registered product adds its section (its settings
class, ``Product.settings``) and its output topics (``[topics]``, defaults from its output specs), read
as ``settings.<section>`` and ``settings.topics.<output>`` like the others.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Mapping, get_args, get_origin, get_type_hints

from shopstream import resources

ENV_PREFIX = "SHOPSTREAM_"
# SHOPSTREAM_ variables that are not settings: the file to read, the base of relative paths, plug-ins
NOT_SETTINGS = ("CONFIG", "HOME", "PLUGINS")


def default_config() -> Path:
    return resources.data_dir("config") / "shopstream.toml"


class SettingsError(ValueError):
    """A settings file or environment override is invalid."""


class Secret(str):
    """A string that never shows itself in reprs, logs or tracebacks."""

    def __repr__(self) -> str:
        return "'***'"

    def __str__(self) -> str:
        return "***"

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class StackSettings:
    state_dir: Path = Path(".local/stack")
    bin_dir: Path = Path(".local/bin")
    jars_dir: Path = Path(".local/jars")
    # shopstream's own Java operators (java/), compiled by the bootstrap against the pip-installed Flink
    operators_jar: Path = Path(".local/build/shopstream-operators.jar")


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap_servers: str = "127.0.0.1:19092"
    partitions: int = 2
    consumer_session_timeout_ms: int = 6000
    fetch_max_wait_ms: int = 100  # longest the broker holds a fetch that has too little data (latency)

    @property
    def port(self) -> int:
        return int(self.bootstrap_servers.split(",")[0].rsplit(":", 1)[1])

    @property
    def host(self) -> str:
        return self.bootstrap_servers.split(",")[0].rsplit(":", 1)[0]


@dataclass(frozen=True)
class TopicSettings:
    """Input topics (one per event type of the contract), the runtime's outputs, and ``outputs``: the
    topic of each product output that settings rename (the others keep their spec's default topic)."""

    clickstream: str = "clickstream"
    orders: str = "orders"
    content: str = "content"
    dead_letters: str = "shopstream.dead_letters"
    late_events: str = "shopstream.late_events"
    outputs_renamed: Mapping[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self.outputs_renamed:
            return self.outputs_renamed[name]
        from shopstream.registry import output_spec
        spec = output_spec(name)
        if spec is None:
            raise AttributeError(f"no topic setting {name!r}: not an input, a runtime output or a product output")
        return spec.topic

    def inputs(self) -> list[str]:
        """The topic of every event type of the contract."""
        from shopstream.contract import load_contract
        return [getattr(self, schema.topic_setting) for schema in load_contract().values()]

    def outputs(self) -> list[str]:
        """The runtime's output topics and those of every registered product."""
        from shopstream.registry import products
        return [self.dead_letters, self.late_events] + [getattr(self, o.name) for p in products() for o in p.outputs]


@dataclass(frozen=True)
class RedisSettings:
    host: str = "127.0.0.1"
    port: int = 16379
    db: int = 0
    password: Secret = Secret("shopstream-dev")
    serving_user: str = "serving"
    serving_password: Secret = Secret("serving-dev")

    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


@dataclass(frozen=True)
class ClickHouseSettings:
    url: str = "http://127.0.0.1:18123"
    database: str = "shopstream"
    user: str = "writer"
    password: Secret = Secret("writer-dev")
    analyst_user: str = "analyst"
    analyst_password: Secret = Secret("analyst-dev")
    data_dir: Path = Path(".local/stack/chdb")
    insert_batch_rows: int = 20000   # most records per loader batch, and per ClickHouse flush

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1].split(":")[0]

    @property
    def port(self) -> int:
        rest = self.url.split("://", 1)[1]
        return int(rest.split(":")[1].split("/")[0]) if ":" in rest else 8123


@dataclass(frozen=True)
class FlinkSettings:
    parallelism: int = 2
    checkpoint_interval_ms: int = 5000
    checkpoint_dir: Path = Path(".local/stack/checkpoints")
    rest_address: str = "127.0.0.1"
    rest_port: int = 18081
    python_execution_mode: str = "thread"
    bundle_size: int = 1000
    state_ttl_ms: int = 2 * 24 * 3600 * 1000
    state_backend: str = "hashmap"  # or "rocksdb" (with incremental checkpoints: see bench/NOTES.md)
    incremental_checkpoints: bool = False
    managed_memory: str = "512m"   # managed memory of a local run (window buffers, RocksDB if used)
    # Latency against throughput (bench/NOTES.md): jobs that declare latency="low" (user_profiles) flush
    # network buffers every low_latency_buffer_timeout_ms and emit watermarks every
    # low_latency_watermark_interval_ms; other jobs use Flink's defaults, which cost them less CPU.
    buffer_timeout_ms: int = 100   # longest a partly filled network buffer waits between operators
    watermark_interval_ms: int = 200  # how often sources emit a watermark (windows fire on watermarks)
    low_latency_buffer_timeout_ms: int = 10
    low_latency_watermark_interval_ms: int = 50


@dataclass(frozen=True)
class EventSettings:
    """How input events are read, whatever the product: event time, lateness, reporting currency."""

    reporting_currency: str = "USD"
    watermark_delay_ms: int = 5000   # an event older than the partition's newest minus this is late
    idle_ms: int = 10_000            # an unbounded source partition without records this long stops holding the watermark
    order_lookback_ms: int = 35 * 86_400_000  # a cancellation without lines cancels the order placed at most this long before


@dataclass(frozen=True)
class DataQualitySettings:
    """``shopstream dq check``: how many rows it reads and validates at a time, and how many failing rows
    it names per expectation."""

    batch_rows: int = 50_000
    examples: int = 5


@dataclass(frozen=True)
class GeneratorSettings:
    seed: int = 42
    users: int = 2000
    products: int = 500
    start_ms: int = 1_790_000_000_000  # 2026-09-21T14:13:20Z
    days: float = 2.0


@dataclass(frozen=True)
class Settings:
    stack: StackSettings = field(default_factory=StackSettings)
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    topics: TopicSettings = field(default_factory=TopicSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    clickhouse: ClickHouseSettings = field(default_factory=ClickHouseSettings)
    flink: FlinkSettings = field(default_factory=FlinkSettings)
    events: EventSettings = field(default_factory=EventSettings)
    generator: GeneratorSettings = field(default_factory=GeneratorSettings)
    dq: DataQualitySettings = field(default_factory=DataQualitySettings)
    job_version: str = "0.1.0"
    # section name -> a registered product's settings (its defaults unless the file or environment say otherwise)
    product_sections: Mapping[str, Any] = field(default_factory=lambda: _product_sections({})["product_sections"])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        sections = self.__dict__.get("product_sections", {})
        if name in sections:
            return sections[name]
        raise AttributeError(f"no settings section {name!r}")

    def path(self, p: Path) -> Path:
        """Resolve a settings path: relative ones against SHOPSTREAM_HOME or the working directory."""
        return p if p.is_absolute() else resources.home() / p

    def replace(self, **sections: Any) -> "Settings":
        """A copy with some sections or section fields replaced: ``replace(redis={'port': 1})``."""
        changes: dict[str, Any] = {}
        products = dict(self.product_sections)
        for name, value in sections.items():
            current = getattr(self, name)
            if isinstance(value, dict) and is_dataclass(current):
                value = _build(type(current), {**_as_raw(current), **value}, name)
            if name in products:
                products[name] = value
            else:
                changes[name] = value
        return dataclasses.replace(self, **changes, product_sections=products)


def _as_raw(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _coerce(tp: Any, value: Any, where: str) -> Any:
    try:
        if tp is bool:
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            return bool(value)
        if tp in (int, float, str):
            return tp(value)
        if tp is Path:
            return Path(value)
        if tp is Secret:
            return value if isinstance(value, Secret) else Secret(value)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {where}: cannot read {value!r} as {tp.__name__}") from exc
    return value


def _build(cls: type, raw: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    if cls is Settings:
        raw = _product_sections(raw)
    elif cls is TopicSettings:
        raw = _renamed_outputs(raw)
    unknown = set(raw) - known
    if unknown:
        raise SettingsError(f"unknown setting(s) in [{where}]: {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(sorted(known))}")
    kwargs = {}
    for name, value in raw.items():
        tp = hints[name]
        if name in ("product_sections", "outputs_renamed"):
            kwargs[name] = value
        elif get_origin(tp) is dict:
            value_type = get_args(tp)[1]
            kwargs[name] = {k: _coerce(value_type, v, f"{where}.{name}.{k}") for k, v in dict(value).items()}
        elif is_dataclass(tp):
            kwargs[name] = _build(tp, value, f"{where}.{name}" if where else name)
        else:
            kwargs[name] = _coerce(tp, value, f"{where}.{name}" if where else name)
    return cls(**kwargs)


def _product_sections(raw: dict[str, Any]) -> dict[str, Any]:
    """Move the sections of registered products into ``product_sections`` (each typed by its class)."""
    from shopstream.registry import products
    raw = dict(raw)
    sections = {}
    for product in products():
        if product.settings is not None:
            sections[product.section] = _build(product.settings, raw.pop(product.section, {}), product.section)
    raw["product_sections"] = sections
    return raw


def _renamed_outputs(raw: dict[str, Any]) -> dict[str, Any]:
    """``[topics]`` entries that name a product output rename its topic; other unknown names are errors."""
    from shopstream.registry import output_spec
    own = {f.name for f in fields(TopicSettings)}
    renamed = {k: str(v) for k, v in raw.items() if k not in own and output_spec(k) is not None}
    rest = {k: v for k, v in raw.items() if k not in renamed}
    rest["outputs_renamed"] = renamed
    return rest


def _env_overrides(env: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key[len(ENV_PREFIX):] in NOT_SETTINGS:
            continue
        path = key[len(ENV_PREFIX):].lower().split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for k, v in over.items():
        merged[k] = _merge(merged.get(k, {}), v) if isinstance(v, dict) else v
    return merged


def load_settings(path: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Load settings from the TOML file, then apply ``SHOPSTREAM_*`` environment overrides."""
    env = dict(os.environ if env is None else env)
    cfg_path = Path(path or env.get(ENV_PREFIX + "CONFIG") or default_config())
    raw: dict[str, Any] = {}
    if cfg_path.exists():
        with cfg_path.open("rb") as fh:
            try:
                raw = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{cfg_path}: not valid TOML: {exc}") from exc
    elif path is not None:
        raise SettingsError(f"settings file {cfg_path} does not exist")
    raw = _merge(raw, _env_overrides(env))
    return _build(Settings, raw, "")
