"""Python values of the contract's derived fields (what Flink's rendered expressions compute)."""
from __future__ import annotations

from typing import Any, Mapping

from shopstream.contract.model import EventSchema


def derived_values(schema: EventSchema, doc: Mapping[str, Any]) -> dict[str, int]:
    """Derived fields of a valid message, e.g. ``{'order_total_minor': 4498}``."""
    out: dict[str, int] = {}
    for d in schema.derived:
        parent, factors = d.factors()
        total = 0
        for item in doc.get(parent) or []:
            product = 1
            for name in factors:
                product *= item[name]
            total += product
        out[d.name] = total
    return out
