"""Ordered, idempotent ClickHouse migrations: the runtime's (``sql/clickhouse/migrations/``) and each
registered product's (``products/<name>/migrations/``), files ``NNNN_name.sql``. Versions are one
sequence across all of them (a duplicate is an error naming both files), applied in version order.

Each file holds one or more statements separated by ``;`` on a line of its own end.  ``${database}``
is rendered from settings.  Applied versions and their checksums are kept in ``schema_migrations``; a
changed file that was already applied is an error (write a new migration instead).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from clickhouse_connect.driver.client import Client

from shopstream.flink.sqlfiles import SqlTemplate
from shopstream.resources import data_dir
from shopstream.settings import Settings

MIGRATIONS_DIR = data_dir("sql") / "clickhouse" / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def statements(self, params: dict[str, str]) -> list[str]:
        rendered = SqlTemplate(self.text).substitute(params)
        body = "\n".join(line for line in rendered.splitlines() if not line.lstrip().startswith("--"))
        return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]


def migration_dirs() -> list[Path]:
    from shopstream.registry import products
    return [MIGRATIONS_DIR] + [p.migrations_dir for p in products() if p.migrations_dir.is_dir()]


def discover(directory: Path | None = None) -> list[Migration]:
    found = []
    dirs = [directory] if directory else migration_dirs()
    for path in sorted((f for d in dirs for f in d.glob("*.sql")), key=lambda f: f.name):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"{path}: migration files are named NNNN_snake_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path))
    by_version: dict[int, Path] = {}
    for m in found:
        if m.version in by_version:
            raise MigrationError(f"migration version {m.version:04d} is used twice: {by_version[m.version]} and "
                                 f"{m.path}; give the newer one the next free number")
        by_version[m.version] = m.path
    return found


def apply(client: Client, settings: Settings, directory: Path | None = None,
          log=lambda msg: None) -> list[Migration]:
    """Apply the migrations not applied yet; returns them.  Safe to run any number of times."""
    db = settings.clickhouse.database
    client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
    client.command(
        f"CREATE TABLE IF NOT EXISTS {db}.schema_migrations (version UInt32, name String, checksum String, "
        "applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version")
    applied = {row[0]: (row[1], row[2]) for row in client.query(
        f"SELECT version, name, checksum FROM {db}.schema_migrations FINAL").result_rows}
    done = []
    for mig in discover(directory):
        if mig.version in applied:
            if applied[mig.version][1] != mig.checksum:
                raise MigrationError(
                    f"migration {mig.path.name} changed after it was applied (checksum "
                    f"{applied[mig.version][1]} -> {mig.checksum}); add a new migration instead")
            continue
        for stmt in mig.statements({"database": db}):
            client.command(stmt)
        client.insert(f"{db}.schema_migrations", [[mig.version, mig.name, mig.checksum]],
                      column_names=["version", "name", "checksum"])
        log(f"applied {mig.path.name}")
        done.append(mig)
    return done
