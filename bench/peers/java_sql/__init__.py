"""Java-only Flink SQL peer of the profile job: the upper bound Flink reaches here without Python.

The job's own SQL layers (sql/flink/staging/, products/user_profiles/sql/), rendered by the same machinery
(``shopstream.flink.jobspec``), with one file replaced: ``020_stg_event.sql`` of this folder computes
``dq_reason`` and the typed columns with the contract's pure-SQL rendering instead of the Python table
function. No Python function is registered, so the job graph holds no Python operator. Its outputs go to
their own Kafka topics (settings, overridden per benchmark target) as JSON; ``writer.ProfileRedisWriter``
applies the profile field groups to Redis (no derived fields, no ClickHouse); dead letters and late events
stay in their topics.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from shopstream.contract import load_contract
from shopstream.contract.flink_sql import dq_reason_expression, extraction_columns
from shopstream.flink.environment import RunOptions
from shopstream.flink import staging_layer
from shopstream.flink.jobspec import JobSpec, Use, product_layer, staging
from shopstream.registry import product
from shopstream.settings import Settings
from shopstream.staging import shape

NAME = "java_sql"
PEER_SQL_DIR = Path(__file__).resolve().parent


def pure_sql_staging(event: str) -> dict[str, str]:
    """``dq_reason_sql`` and ``typed_columns`` of one event type: the columns of the Python staging
    function (``shopstream.staging.shape``), each computed by the contract's SQL expression."""
    schema = load_contract()[event]
    expressions = {c.name: c.expression for c in extraction_columns(schema, "payload")}
    names = [name for name, _ in shape(event).columns if name != "dq_reason"]
    return {"dq_reason_sql": dq_reason_expression(schema, "payload", "kafka_ts_ms"),
            "typed_columns": ",\n".join(f"{expressions[n]} as `{n}`" for n in names)}


def overlay(base: Path, overrides: Path, dest: Path) -> Path:
    """``dest`` holding links to every SQL file of ``base``, those of ``overrides`` taking precedence by
    name, so the render machinery reads one folder. Returns ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.sql"):
        old.unlink()
    chosen = {p.name: p for p in sorted(base.glob("*.sql"))}
    unknown = [p.name for p in overrides.glob("*.sql") if p.name not in chosen]
    if unknown:
        raise ValueError(f"peer files {unknown} replace nothing in {base}; rename them after the file they replace")
    chosen.update({p.name: p for p in overrides.glob("*.sql")})
    for name, src in chosen.items():
        (dest / name).symlink_to(src.resolve())
    return dest


EVENTS = ("clickstream", "orders")


def _variants(settings: Settings, options: RunOptions):
    out = staging_layer.variants(settings, options, EVENTS)
    out["020_stg_event"] = [{**v, **pure_sql_staging(v["event"])} for v in out["020_stg_event"]]
    return out


def _profile_writer(settings: Settings, redis_client, ch_client) -> list:
    from bench.peers.java_sql.writer import ProfileRedisWriter
    return [ProfileRedisWriter(settings, redis_client)]


def spec(workdir: Path) -> JobSpec:
    """The peer as a job: pure-SQL staging (dead letters and late events to Kafka only), then the profile
    layer with the lightweight Redis writer as its loader. ``workdir`` receives the overlaid SQL folder."""
    base = staging(EVENTS)
    folder = overlay(base.directory, PEER_SQL_DIR, workdir / "staging_pure_sql")
    pure = dataclasses.replace(base, name="staging_pure_sql", directory=folder, variants=_variants,
                               functions=lambda t_env: None, loaders=lambda s, r, c: [])
    profiles = dataclasses.replace(product_layer(product("user_profiles")), loaders=_profile_writer)
    return JobSpec(NAME, ("user_profiles",), latency="low",  # as user_profiles, whose SQL it runs
                   layers=(Use(pure), Use(profiles)))
