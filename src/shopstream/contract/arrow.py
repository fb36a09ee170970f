"""pyarrow schema of an event, derived from the contract (field descriptions kept as metadata)."""
from __future__ import annotations

import pyarrow as pa

from shopstream.contract.model import EventSchema, Field
from shopstream.contract.scalars import SCALARS

_SCALARS = {name: pa.type_for_alias(scalar.arrow) for name, scalar in SCALARS.items()}


def arrow_type(f: Field) -> pa.DataType:
    """Arrow type of a field; ``timestamp_ms`` integers become ``timestamp[ms, tz=UTC]``."""
    if f.logical == "timestamp_ms":
        return pa.timestamp("ms", tz="UTC")
    if f.type in _SCALARS:
        return _SCALARS[f.type]
    if f.type == "array<string>":
        return pa.list_(pa.field("item", pa.string(), nullable=False))
    return pa.list_(pa.field("item", pa.struct([arrow_field(sub) for sub in f.fields]), nullable=False))


def arrow_field(f: Field) -> pa.Field:
    """Arrow field: nullable unless always required."""
    return pa.field(f.name, arrow_type(f), nullable=not f.required,
                    metadata={"description": f.description} if f.description else None)


def pyarrow_schema(schema: EventSchema) -> pa.Schema:
    """Arrow schema of one event type, fields in contract order."""
    return pa.schema([arrow_field(f) for f in schema.fields],
                     metadata={"event": schema.name, "description": schema.description})
