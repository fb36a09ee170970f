"""The contract's data model: an event schema is a named, ordered list of typed fields."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from shopstream.contract.scalars import SCALARS

SCALAR_TYPES = tuple(SCALARS)
ARRAY_TYPES = ("array<string>", "array<struct>")
FIELD_TYPES = SCALAR_TYPES + ARRAY_TYPES

INTEGER_RANGES: Mapping[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}

LOGICAL_TYPES = ("timestamp_ms",)
REFERENCES = ("fx_rates",)


class ContractError(ValueError):
    """A schema file breaks the contract format described in schemas/README.md."""


@dataclass(frozen=True)
class Field:
    """One field of an event (or of the items of an ``array<struct>`` field)."""

    name: str
    type: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    min: int | float | None = None
    max: int | float | None = None
    required_when: Mapping[str, tuple[str, ...]] | None = None
    fields: tuple["Field", ...] = ()
    description: str = ""
    reference: str | None = None
    logical: str | None = None
    low_cardinality: bool = False

    @property
    def is_array(self) -> bool:
        return self.type in ARRAY_TYPES

    @property
    def is_struct_array(self) -> bool:
        return self.type == "array<struct>"

    @property
    def is_numeric(self) -> bool:
        return self.type in ("int32", "int64", "float64")

    def item_field(self, name: str) -> "Field":
        for sub in self.fields:
            if sub.name == name:
                return sub
        raise KeyError(f"{self.name} has no item field {name!r}")


@dataclass(frozen=True)
class DerivedField:
    """A value computed from the message, not sent by producers (e.g. an order total)."""

    name: str
    type: str
    sum_of_products: tuple[str, ...]
    description: str = ""

    def factors(self) -> tuple[str, tuple[str, ...]]:
        """The struct-array field and the item fields multiplied per item."""
        parents = {path.split(".", 1)[0] for path in self.sum_of_products}
        (parent,) = parents
        return parent, tuple(path.split(".", 1)[1] for path in self.sum_of_products)


@dataclass(frozen=True)
class EventSchema:
    """One event type: its topic (by settings name), Kafka key, event-time field and fields."""

    name: str
    topic_setting: str
    key: str
    fields: tuple[Field, ...]
    description: str = ""
    event_time: str = "ts"
    derived: tuple[DerivedField, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"schema {self.name} has no field {name!r}")

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def discriminator(self) -> str | None:
        """The enum field that all ``required_when`` rules of this schema refer to, if any."""
        names = {k for f in self.fields if f.required_when for k in f.required_when}
        return next(iter(names)) if names else None

    def is_required(self, f: Field, doc: Mapping[str, object]) -> bool:
        """Whether ``f`` must be present in ``doc`` (always, or by its ``required_when`` rule)."""
        if f.required:
            return True
        if not f.required_when:
            return False
        for cond_field, values in f.required_when.items():
            value = doc.get(cond_field)
            if not (isinstance(value, str) and value in values):
                return False
        return True
