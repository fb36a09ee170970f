"""Typed, frozen settings: one TOML file overridden by environment variables.

Every endpoint, port, path, password and topic name used anywhere in shopstream comes from here.
Environment overrides use ``SHOPSTREAM_<SECTION>__<FIELD>`` (e.g. ``SHOPSTREAM_REDIS__PORT=6390``);
``SHOPSTREAM_CONFIG`` names the file (default: ``config/shopstream.toml`` in the repository).
Secrets are ``Secret`` values: they print as ``'***'`` and are read with ``.reveal()``.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "config" / "shopstream.toml"
ENV_PREFIX = "SHOPSTREAM_"


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
    clickstream: str = "clickstream"
    orders: str = "orders"
    content: str = "content"
    dead_letters: str = "shopstream.dead_letters"
    late_events: str = "shopstream.late_events"
    profile_windows: str = "shopstream.profile_windows"
    profile_lifetime: str = "shopstream.profile_lifetime"
    profile_affinity: str = "shopstream.profile_affinity"
    ad_windows: str = "shopstream.ad_windows"
    ad_performance: str = "shopstream.ad_performance_minute"
    campaign_spend: str = "shopstream.campaign_spend"

    def inputs(self) -> list[str]:
        return [self.clickstream, self.orders, self.content]

    def outputs(self) -> list[str]:
        return [self.dead_letters, self.late_events, self.profile_windows, self.profile_lifetime,
                self.profile_affinity]


@dataclass(frozen=True)
class RedisSettings:
    host: str = "127.0.0.1"
    port: int = 16379
    db: int = 0
    password: Secret = Secret("shopstream-dev")
    serving_user: str = "serving"
    serving_password: Secret = Secret("serving-dev")
    profile_ttl_s: int = 35 * 24 * 3600

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
class ProfileSettings:
    """Business parameters of the user-profile job."""

    reporting_currency: str = "USD"
    watermark_delay_ms: int = 5000
    window_slide_ms: int = 60_000
    affinity_half_life_h: float = 72.0
    affinity_epoch_ms: int = 1_767_225_600_000  # 2026-01-01T00:00:00Z: reference point of decayed sums
    idle_ms: int = 10_000


@dataclass(frozen=True)
class AdSettings:
    """Business parameters of the ad-CTR job (see README: Ad CTR features)."""

    click_join_lookback_ms: int = 30 * 60_000   # a click matches an impression at most this much older
    click_join_lookahead_ms: int = 60_000       # ... or this much newer (device clock skew)
    conversion_window_ms: int = 24 * 3_600_000  # an order this long after an ad click converts it
    base_ctr_feed: float = 0.012                 # prior mean CTR of each placement
    base_ctr_search: float = 0.025
    base_ctr_sidebar: float = 0.004
    placement_strength: float = 1000.0           # prior strengths in pseudo-impressions
    campaign_strength: float = 200.0
    ad_strength: float = 100.0
    segment_strength: float = 50.0
    credible_level: float = 0.95
    pace_tolerance: float = 0.1
    bid_multiplier_low: float = 0.5
    bid_multiplier_high: float = 1.5
    ttl_s: int = 3 * 24 * 3600                   # serving keys expire after this long without an update

    def base_ctr(self, placement: str) -> float | None:
        return getattr(self, f"base_ctr_{placement}", None)


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
    profiles: ProfileSettings = field(default_factory=ProfileSettings)
    ads: AdSettings = field(default_factory=AdSettings)
    generator: GeneratorSettings = field(default_factory=GeneratorSettings)
    job_version: str = "0.1.0"

    def path(self, p: Path) -> Path:
        """Resolve a settings path against the repository root."""
        return p if p.is_absolute() else REPO_ROOT / p

    def replace(self, **sections: Any) -> "Settings":
        """A copy with some sections or section fields replaced: ``replace(redis={'port': 1})``."""
        changes: dict[str, Any] = {}
        for name, value in sections.items():
            current = getattr(self, name)
            if isinstance(value, dict) and is_dataclass(current):
                changes[name] = _build(type(current), {**_as_raw(current), **value}, name)
            else:
                changes[name] = value
        return dataclasses.replace(self, **changes)


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
    unknown = set(raw) - known
    if unknown:
        raise SettingsError(f"unknown setting(s) in [{where}]: {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(sorted(known))}")
    kwargs = {}
    for name, value in raw.items():
        tp = hints[name]
        if is_dataclass(tp):
            kwargs[name] = _build(tp, value, f"{where}.{name}" if where else name)
        else:
            kwargs[name] = _coerce(tp, value, f"{where}.{name}" if where else name)
    return cls(**kwargs)


def _env_overrides(env: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
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
    cfg_path = Path(path or env.get(ENV_PREFIX + "CONFIG") or DEFAULT_CONFIG)
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
