"""Output specifications: the one description of each output a layer writes.

A product (and the runtime's staging layer) lists its outputs in ``outputs.yaml`` beside its SQL: per
output its description, default topic, columns with contract types, key, version column and, when the
records land one-to-one in a ClickHouse table, that table (with the ClickHouse type of a column the
loader converts, e.g. epoch milliseconds to ``DateTime``). Everything else derives from it:

- the Flink sink table (``sink_ddl``): the layer's SQL holds only the INSERT;
- the loader's decoding and checking of a record (``decode``: a bad record raises ``RecordError``);
- the topic lists (``settings.topics``) and the topics the local stack and compose create;
- the check of the ClickHouse migration (``clickhouse_columns``, tests/integration/test_output_specs.py);
- the data-quality suite of the output's table (``shopstream.contract.expectations.output_expectations``),
  run by ``shopstream dq check`` (``shopstream.dq``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from shopstream.contract.scalars import SCALARS, ScalarType

# Output columns take the contract's scalar types and one more: a Flink TIMESTAMP_LTZ(3), which Flink's
# JSON format writes as text.
OUTPUT_TYPES: dict[str, ScalarType] = {
    **SCALARS, "timestamp_ltz": ScalarType(flink="TIMESTAMP_LTZ(3)", clickhouse="DateTime64(3, 'UTC')",
                                          arrow="string", python="str")}
_PYTHON = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}
_ENGINES = ("ReplacingMergeTree", "MergeTree", "SummingMergeTree")


class OutputSpecError(ValueError):
    """An outputs.yaml that cannot be used as written."""


class RecordError(ValueError):
    """An output record that does not match its output's specification."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str                      # a contract scalar type: string, int32, int64, float64, bool
    nullable: bool = False
    clickhouse_type: str | None = None  # when the analytics table stores it otherwise (the loader converts)
    description: str = ""

    @property
    def flink_type(self) -> str:
        return OUTPUT_TYPES[self.type].flink

    def ch_type(self) -> str:
        if self.clickhouse_type:
            return self.clickhouse_type
        base = OUTPUT_TYPES[self.type].clickhouse
        return f"Nullable({base})" if self.nullable else base


@dataclass(frozen=True)
class OutputSpec:
    name: str                      # the output's name: its topic setting and its sink table sink_<name>
    description: str
    topic: str                     # default topic (settings [topics] may rename it)
    columns: tuple[Column, ...]
    key: tuple[str, ...]           # what one record describes
    version: str | None            # column ordering the records of one key (newest wins), if any
    clickhouse_table: str | None = None
    engine: str = "ReplacingMergeTree"
    source: Path | None = None
    analytics: "OutputSpec | None" = None  # the table's own description, when its rows are not the records'

    @property
    def table_spec(self) -> "OutputSpec | None":
        """What the output's ClickHouse table holds: the records themselves (``clickhouse: TABLE``), or the
        rows the loader makes of them (``clickhouse: {table, key, version, columns}``), or None."""
        if self.analytics is not None:
            return self.analytics
        return self if self.clickhouse_table else None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def sink_ddl(self) -> str:
        """The Flink sink table of this output; its options come from the ``${<name>_sink}`` parameter."""
        cols = ",\n    ".join(f"`{c.name}` {c.flink_type}" for c in self.columns)
        return f"create temporary table sink_{self.name} (\n    {cols}\n) with (\n    ${{{self.name}_sink}}\n)"

    def clickhouse_columns(self) -> list[tuple[str, str]]:
        return [(c.name, c.ch_type()) for c in self.columns]

    def decode(self, value: bytes | str | None) -> dict:
        """The record as a dict with every column, typed; ``RecordError`` says what is wrong."""
        if value is None:
            raise RecordError(f"{self.name}: empty record (tombstone) where a row was expected")
        try:
            row = json.loads(value)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RecordError(f"{self.name}: not JSON: {exc}") from None
        if not isinstance(row, dict):
            raise RecordError(f"{self.name}: a record is a JSON object, got {type(row).__name__}")
        missing = [c.name for c in self.columns if c.name not in row]
        if missing:
            raise RecordError(f"{self.name}: missing column(s) {', '.join(missing)}")
        for c in self.columns:
            v = row[c.name]
            if v is None:
                if c.nullable:
                    continue
                raise RecordError(f"{self.name}: column {c.name} is null")
            if not _accepts(c.type, v):
                raise RecordError(f"{self.name}: column {c.name} should be {c.type}, got {v!r}")
        return row


def _accepts(type_name: str, value: object) -> bool:
    """Does a decoded JSON value have this type (a bool is no number)."""
    if isinstance(value, bool):
        return type_name == "bool"
    return isinstance(value, _PYTHON[OUTPUT_TYPES[type_name].python])


def load_outputs(path: Path) -> tuple[OutputSpec, ...]:
    """Read an ``outputs.yaml``; every problem names the file and the output."""
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise OutputSpecError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise OutputSpecError(f"{path}: a mapping of output name -> specification is expected")
    return tuple(_spec(path, name, body) for name, body in raw.items())


_SPEC_KEYS = {"description", "topic", "columns", "key", "version", "clickhouse", "engine"}
_COLUMN_KEYS = {"name", "type", "nullable", "clickhouse_type", "description"}


def _spec(path: Path, name: str, body: dict) -> OutputSpec:
    where = f"{path}: output {name}"
    if not isinstance(body, dict):
        raise OutputSpecError(f"{where}: a mapping is expected")
    unknown = set(body) - _SPEC_KEYS
    if unknown:
        raise OutputSpecError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_SPEC_KEYS))}")
    for required in ("description", "topic", "columns", "key"):
        if required not in body:
            raise OutputSpecError(f"{where}: '{required}' is required")
    columns = []
    for i, c in enumerate(body["columns"]):
        if not isinstance(c, dict) or set(c) - _COLUMN_KEYS or "name" not in c or "type" not in c:
            raise OutputSpecError(f"{where}: column {i + 1} needs name and type (known keys: {', '.join(sorted(_COLUMN_KEYS))})")
        if c["type"] not in OUTPUT_TYPES:
            raise OutputSpecError(f"{where}: column {c['name']}: type {c['type']!r} is not one of "
                                  f"{', '.join(OUTPUT_TYPES)}")
        columns.append(Column(str(c["name"]), c["type"], bool(c.get("nullable", False)), c.get("clickhouse_type"),
                              str(c.get("description", ""))))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise OutputSpecError(f"{where}: a column is listed twice")
    key = tuple(body["key"])
    version = body.get("version")
    for col in (*key, *([version] if version else [])):
        if col not in names:
            raise OutputSpecError(f"{where}: key or version column {col!r} is not a column")
    engine = body.get("engine", "ReplacingMergeTree")
    if engine not in _ENGINES:
        raise OutputSpecError(f"{where}: engine {engine!r} is not one of {', '.join(_ENGINES)}")
    table, analytics = body.get("clickhouse"), None
    if isinstance(table, dict):  # the table holds rows the loader makes of the records: described apart
        table_body = dict(table)
        table = table_body.pop("table", None)
        if not table:
            raise OutputSpecError(f"{where}: clickhouse: a mapping names its 'table'")
        table_body.setdefault("description", body["description"])
        table_body.setdefault("topic", body["topic"])
        analytics = _spec(path, f"{name}", {**table_body, "clickhouse": table})
    return OutputSpec(name, str(body["description"]).strip(), str(body["topic"]), tuple(columns), key, version,
                      table, engine, path, analytics)


def decoders(settings, specs) -> dict[str, Callable[[bytes | str | None], dict]]:
    """Topic name (as settings name it) -> the decoder of the output written there."""
    return {getattr(settings.topics, s.name): s.decode for s in specs}
