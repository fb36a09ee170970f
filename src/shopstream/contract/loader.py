"""Load and check the YAML event schemas in ``schemas/`` (one file per event type)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from shopstream.contract.model import (
    FIELD_TYPES,
    INTEGER_RANGES,
    LOGICAL_TYPES,
    REFERENCES,
    SCALAR_TYPES,
    ContractError,
    DerivedField,
    EventSchema,
    Field,
)

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
SCHEMA_FILES = ("clickstream.yaml", "orders.yaml", "content.yaml")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ENUM_VALUE = re.compile(r"^[A-Za-z0-9_.-]+$")
_FIELD_KEYS = {"name", "type", "required", "enum", "min", "max", "required_when", "fields",
               "description", "reference", "logical", "low_cardinality"}
_SCHEMA_KEYS = {"name", "description", "topic_setting", "key", "event_time", "fields", "derived"}
_DERIVED_KEYS = {"name", "type", "sum_of_products", "description"}


def load_contract(directory: str | Path | None = None) -> dict[str, EventSchema]:
    """All event schemas, by name, in file order (clickstream, orders, content)."""
    return dict(_load_contract_cached(str(Path(directory) if directory else SCHEMA_DIR)))


@lru_cache(maxsize=8)
def _load_contract_cached(directory: str) -> tuple[tuple[str, EventSchema], ...]:
    schemas = [load_schema(Path(directory) / name) for name in SCHEMA_FILES]
    return tuple((s.name, s) for s in schemas)


def load_schema(path: str | Path) -> EventSchema:
    """Parse one schema file; raises ContractError naming the file and the offending field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path}: cannot read schema: {exc}") from exc
    try:
        return parse_schema(raw)
    except ContractError as exc:
        raise ContractError(f"{path}: {exc}") from exc


def parse_schema(raw: Any) -> EventSchema:
    """Build an EventSchema from the parsed YAML document and check its consistency."""
    if not isinstance(raw, dict):
        raise ContractError("a schema must be a mapping")
    _no_unknown_keys(raw, _SCHEMA_KEYS, "schema")
    for key in ("name", "topic_setting", "key", "fields"):
        if key not in raw:
            raise ContractError(f"schema lacks '{key}'")
    fields = tuple(_parse_field(f, nested=False) for f in _as_list(raw["fields"], "fields"))
    schema = EventSchema(
        name=_name(raw["name"], "schema name"),
        topic_setting=str(raw["topic_setting"]),
        key=str(raw["key"]),
        fields=fields,
        description=_text(raw.get("description", "")),
        event_time=str(raw.get("event_time", "ts")),
        derived=tuple(_parse_derived(d) for d in _as_list(raw.get("derived", []), "derived")),
    )
    _check_schema(schema)
    return schema


def _parse_field(raw: Any, *, nested: bool) -> Field:
    if not isinstance(raw, dict) or "name" not in raw or "type" not in raw:
        raise ContractError(f"every field needs 'name' and 'type', got {raw!r}")
    name = _name(raw["name"], "field name")
    _no_unknown_keys(raw, _FIELD_KEYS, f"field {name}")
    ftype = raw["type"]
    if ftype not in FIELD_TYPES:
        raise ContractError(f"field {name}: unknown type {ftype!r}; known: {', '.join(FIELD_TYPES)}")
    enum = raw.get("enum")
    if enum is not None:
        if ftype != "string" or not enum or not all(isinstance(v, str) and _ENUM_VALUE.match(v) for v in enum):
            raise ContractError(f"field {name}: enum needs a string field and values matching "
                                f"{_ENUM_VALUE.pattern}")
        enum = tuple(enum)
    required_when = raw.get("required_when")
    if required_when is not None:
        if nested or not isinstance(required_when, dict) or not required_when:
            raise ContractError(f"field {name}: required_when must map a top-level enum field to values")
        required_when = {str(k): tuple(_as_list(v, f"{name}.required_when")) for k, v in required_when.items()}
    for bound in ("min", "max"):
        value = raw.get(bound)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ContractError(f"field {name}: {bound} must be a number")
        if value is not None and ftype not in ("int32", "int64", "float64", "array<string>", "array<struct>"):
            raise ContractError(f"field {name}: {bound} applies to numbers and arrays only")
        if value is not None and ftype in INTEGER_RANGES and not isinstance(value, int):
            raise ContractError(f"field {name}: {bound} of an integer field must be an integer")
    subfields: tuple[Field, ...] = ()
    if ftype == "array<struct>":
        if nested:
            raise ContractError(f"field {name}: structs cannot nest")
        subfields = tuple(_parse_field(f, nested=True) for f in _as_list(raw.get("fields"), f"{name}.fields"))
        for sub in subfields:
            if sub.type not in SCALAR_TYPES or sub.enum or sub.reference:
                raise ContractError(f"field {name}.{sub.name}: struct items hold plain scalars "
                                    f"(no arrays, enums or references)")
    elif "fields" in raw:
        raise ContractError(f"field {name}: only array<struct> fields have 'fields'")
    reference = raw.get("reference")
    if reference is not None and (reference not in REFERENCES or ftype != "string"):
        raise ContractError(f"field {name}: reference must be one of {REFERENCES} on a string field")
    logical = raw.get("logical")
    if logical is not None and (logical not in LOGICAL_TYPES or ftype != "int64"):
        raise ContractError(f"field {name}: logical must be one of {LOGICAL_TYPES} on an int64 field")
    return Field(
        name=name,
        type=ftype,
        required=bool(raw.get("required", False)),
        enum=enum,
        min=raw.get("min"),
        max=raw.get("max"),
        required_when=required_when,
        fields=subfields,
        description=_text(raw.get("description", "")),
        reference=reference,
        logical=logical,
        low_cardinality=bool(raw.get("low_cardinality", False)),
    )


def _parse_derived(raw: Any) -> DerivedField:
    if not isinstance(raw, dict):
        raise ContractError(f"derived entries are mappings, got {raw!r}")
    _no_unknown_keys(raw, _DERIVED_KEYS, f"derived {raw.get('name')}")
    return DerivedField(
        name=_name(raw.get("name"), "derived name"),
        type=str(raw.get("type")),
        sum_of_products=tuple(_as_list(raw.get("sum_of_products"), "sum_of_products")),
        description=_text(raw.get("description", "")),
    )


def _check_schema(schema: EventSchema) -> None:
    names = schema.field_names()
    if len(set(names)) != len(names):
        raise ContractError("duplicate field names")
    key = _field_or_fail(schema, schema.key, "key")
    if key.type != "string" or not key.required:
        raise ContractError(f"key field {key.name} must be a required string")
    event_time = _field_or_fail(schema, schema.event_time, "event_time")
    if event_time.type != "int64" or not event_time.required or event_time.logical != "timestamp_ms":
        raise ContractError(f"event_time field {event_time.name} must be a required int64 timestamp_ms")
    discriminators = {k for f in schema.fields if f.required_when for k in f.required_when}
    if len(discriminators) > 1:
        raise ContractError(f"required_when rules must all use one field, got {sorted(discriminators)}")
    for f in schema.fields:
        for cond, values in (f.required_when or {}).items():
            target = _field_or_fail(schema, cond, f"{f.name}.required_when")
            if not target.required or not target.enum or not set(values) <= set(target.enum):
                raise ContractError(f"field {f.name}: required_when needs a required enum field "
                                    f"and values from its enum")
        if not f.description:
            raise ContractError(f"field {f.name} lacks a description")
        for sub in f.fields:
            if not sub.description:
                raise ContractError(f"field {f.name}.{sub.name} lacks a description")
    for d in schema.derived:
        if d.type != "int64" or len(d.sum_of_products) < 1:
            raise ContractError(f"derived {d.name}: only int64 sum_of_products is supported")
        parents = {p.split(".", 1)[0] for p in d.sum_of_products}
        if len(parents) != 1 or not all("." in p for p in d.sum_of_products):
            raise ContractError(f"derived {d.name}: factors must be items of one array<struct> field")
        parent = _field_or_fail(schema, parents.pop(), f"derived {d.name}")
        if not parent.is_struct_array or parent.max is None:
            raise ContractError(f"derived {d.name}: {parent.name} must be an array<struct> with a max")
        for path in d.sum_of_products:
            sub = parent.item_field(path.split(".", 1)[1])
            if sub.type not in INTEGER_RANGES or not sub.required:
                raise ContractError(f"derived {d.name}: {path} must be a required integer")


def _field_or_fail(schema: EventSchema, name: str, what: str) -> Field:
    try:
        return schema.field(name)
    except KeyError:
        raise ContractError(f"{what} names unknown field {name!r}") from None


def _no_unknown_keys(raw: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = set(raw) - known
    if unknown:
        raise ContractError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ContractError(f"{where} must be a list")
    return value


def _name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ContractError(f"{what} {value!r} must match {_NAME.pattern}")
    return value


def _text(value: Any) -> str:
    return " ".join(str(value).split())
