"""The local development stack: broker, Redis and the ClickHouse endpoint, described from settings."""
from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

from shopstream.settings import Settings
from shopstream.stack.process import ServiceSpec, port_is_open

REDIS_SERVER_BINARIES = ("/usr/bin/redis-server", "/usr/local/bin/redis-server")


def state_dir(settings: Settings) -> Path:
    d = settings.path(settings.stack.state_dir)
    d.mkdir(parents=True, exist_ok=True)
    return d


def broker_spec(settings: Settings) -> ServiceSpec:
    k = settings.kafka
    binary = settings.path(settings.stack.bin_dir) / "tansu"
    url = f"tcp://{k.host}:{k.port}"
    return ServiceSpec(
        name="broker",
        argv=[str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
              "--storage-engine", "memory://tansu/"],
        host=k.host, port=k.port, state_dir=state_dir(settings),
        ready=lambda: port_is_open(k.host, k.port),
        env={"RUST_LOG": "warn"},
    )


def redis_config(settings: Settings, data_dir: Path) -> str:
    """redis.conf for the local stack: password for writers, a read-only ACL user for serving services."""
    r = settings.redis
    return "\n".join([
        f"bind {r.host}",
        f"port {r.port}",
        "protected-mode yes",
        f"dir {data_dir}",
        "save 60 1000",
        "appendonly yes",
        "appendfsync everysec",
        "daemonize no",
        # The default user is the writer; serving gets read commands only.
        f"user default on >{r.password.reveal()} ~* &* +@all",
        f"user {r.serving_user} on >{r.serving_password.reveal()} ~* resetchannels -@all +@read +ping +hello "
        "+auth +client|setname +info +select",
        "",
    ])


def redis_spec(settings: Settings) -> ServiceSpec:
    r = settings.redis
    sdir = state_dir(settings)
    data_dir = sdir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    conf = sdir / "redis.conf"
    conf.write_text(redis_config(settings, data_dir))
    conf.chmod(0o600)
    binary = next((b for b in REDIS_SERVER_BINARIES if Path(b).exists()), REDIS_SERVER_BINARIES[0])

    def ready() -> bool:
        import redis
        return bool(redis.Redis(host=r.host, port=r.port, password=r.password.reveal(),
                                socket_connect_timeout=0.5).ping())

    return ServiceSpec(name="redis", argv=[binary, str(conf)], host=r.host, port=r.port,
                       state_dir=sdir, ready=ready)


def clickhouse_spec(settings: Settings) -> ServiceSpec:
    c = settings.clickhouse

    def ready() -> bool:
        with urllib.request.urlopen(f"http://{c.host}:{c.port}/ping", timeout=1) as resp:
            return resp.read().startswith(b"Ok")

    return ServiceSpec(
        name="clickhouse",
        argv=[sys.executable, "-m", "shopstream.clickhouse_server"],
        host=c.host, port=c.port, state_dir=state_dir(settings), ready=ready,
        env=_settings_env(settings),
        start_timeout_s=90,
    )


def _settings_env(settings: Settings) -> dict[str, str]:
    """Environment that makes a child process load the same settings as this one."""
    import os
    return {k: v for k, v in os.environ.items() if k.startswith("SHOPSTREAM_")}


def local_services(settings: Settings) -> list[ServiceSpec]:
    return [broker_spec(settings), redis_spec(settings), clickhouse_spec(settings)]
