"""Bad records: a valid event broken in one controlled way, with the reason validate() must give."""
from __future__ import annotations

import copy
import json
import random
from typing import Any, Callable

from shopstream.contract.model import EventSchema, Field

# kind -> relative frequency among bad records
BAD_KINDS = (("malformed_json", 20), ("not_an_object", 4), ("missing_field", 20), ("wrong_type", 20),
             ("negative_amount", 14), ("far_future_ts", 10), ("not_in_enum", 6), ("unknown_currency", 6))
FAR_FUTURE_MIN_MS = 2 * 24 * 3600 * 1000


def dumps(doc: Any) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def corrupt(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int,
            new_event_id: str) -> tuple[str, str]:
    """(payload text, expected first reason) for a broken copy of the valid ``doc``."""
    doc = copy.deepcopy(doc)
    if "event_id" in doc:
        doc["event_id"] = new_event_id
    kinds = [k for k, _ in BAD_KINDS]
    weights = [w for _, w in BAD_KINDS]
    while True:
        kind = rng.choices(kinds, weights=weights)[0]
        result = _BREAKERS[kind](rng, schema, doc, arrival_ms)
        if result is not None:
            return result


def _malformed(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str]:
    text = dumps(doc)
    if rng.random() < 0.8:
        return text[: rng.randrange(1, len(text) - 1)], "malformed_json"  # a cut object is never valid JSON
    return rng.choice(["<html><body>502 Bad Gateway</body></html>", "", "{'single': 'quotes'}",
                       text.replace('":', '"=', 1)]), "malformed_json"


def _not_an_object(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str]:
    return dumps([doc]), "not_an_object"


def _present_required(schema: EventSchema, doc: dict[str, Any]) -> list[Field]:
    return [f for f in schema.fields if f.name in doc and schema.is_required(f, doc)]


def _missing(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str]:
    lines = doc.get("lines")
    if lines and rng.random() < 0.3:
        sub = rng.choice(schema.field("lines").fields)
        del rng.choice(lines)[sub.name]
        return dumps(doc), f"missing_field:lines.{sub.name}"
    f = rng.choice(_present_required(schema, doc))
    if rng.random() < 0.2:
        doc[f.name] = None
    else:
        del doc[f.name]
    return dumps(doc), f"missing_field:{f.name}"


def _wrong_type(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str]:
    lines = doc.get("lines")
    if lines and rng.random() < 0.3:
        line = rng.choice(lines)
        name = rng.choice(["qty", "unit_price_minor", "category"])
        line[name] = str(line[name]) if name != "category" else 7
        return dumps(doc), f"wrong_type:lines.{name}"
    f = rng.choice([f for f in schema.fields if f.name in doc])
    value = doc[f.name]
    if f.type in ("int32", "int64"):
        doc[f.name] = rng.choice([str(value), float(value) + 0.5, [value]])
    elif f.type == "string":
        doc[f.name] = rng.choice([12345, True, {"value": value}])
    elif f.type == "bool":
        doc[f.name] = str(value).lower()
    elif f.type == "array<string>":
        doc[f.name] = rng.choice([",".join(value), value + [1]])
    else:
        doc[f.name] = {"items": value}
    return dumps(doc), f"wrong_type:{f.name}"


def _negative(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str] | None:
    if "price_minor" in doc:
        doc["price_minor"] = -doc["price_minor"] - 1
        return dumps(doc), "below_min:price_minor"
    if doc.get("lines"):
        line = rng.choice(doc["lines"])
        if rng.random() < 0.8:
            line["unit_price_minor"] = -line["unit_price_minor"] - 1
            return dumps(doc), "below_min:lines.unit_price_minor"
        line["qty"] = -line["qty"] if rng.random() < 0.5 else 0
        return dumps(doc), "below_min:lines.qty"
    return None


def _far_future(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str]:
    doc[schema.event_time] = arrival_ms + rng.randrange(FAR_FUTURE_MIN_MS, 30 * 24 * 3600 * 1000)
    return dumps(doc), "far_future_ts"


def _not_in_enum(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str] | None:
    enums = [f for f in schema.fields if f.enum and f.name in doc]
    if not enums:
        return None
    f = rng.choice(enums)
    doc[f.name] = rng.choice(["unknown", "smart_tv", "hover", f"{doc[f.name]}_v2", doc[f.name].upper()])
    return dumps(doc), f"not_in_enum:{f.name}"


def _unknown_currency(rng: random.Random, schema: EventSchema, doc: dict[str, Any], arrival_ms: int) -> tuple[str, str] | None:
    if "currency" not in doc:
        return None
    doc["currency"] = rng.choice(["ZZZ", "BTC", "usd", "EURO"])
    return dumps(doc), "unknown_currency"


_BREAKERS: dict[str, Callable[[random.Random, EventSchema, dict[str, Any], int], tuple[str, str] | None]] = {
    "malformed_json": _malformed,
    "not_an_object": _not_an_object,
    "missing_field": _missing,
    "wrong_type": _wrong_type,
    "negative_amount": _negative,
    "far_future_ts": _far_future,
    "not_in_enum": _not_in_enum,
    "unknown_currency": _unknown_currency,
}
