"""Example messages per event type and a catalogue of edge cases with their expected first reason.

Used as documentation, by unit tests (``validate``) and by the Flink test (``dq_reason``): both must
give ``expected`` for every case. ``kafka_ts_ms`` is the "now" of the far-future check.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

NOW_MS = 1_790_000_000_000
DAY_MS = 24 * 3600 * 1000

_CLICK_BASE = {"event_id": "e-1", "user_id": "u-000001", "session_id": "s-1", "ts": NOW_MS - 1000,
               "device": "web", "country": "DE"}

_CLICKSTREAM_EXAMPLES: dict[str, dict[str, Any]] = {
    "page_view": {"event_type": "page_view", "page": "/home"},
    "product_view": {"event_type": "product_view", "product_id": "p-0001", "category": "electronics",
                     "price_minor": 129_99, "currency": "EUR"},
    "search": {"event_type": "search", "query": "running shoes \"trail\" ünïcode"},
    "add_to_cart": {"event_type": "add_to_cart", "product_id": "p-0001", "category": "electronics",
                    "price_minor": 0, "currency": "JPY"},
    "content_view": {"event_type": "content_view", "content_id": "c-00001"},
    "like": {"event_type": "like", "content_id": "c-00001"},
    "comment": {"event_type": "comment", "content_id": "c-00001"},
    "share": {"event_type": "share", "content_id": "c-00001"},
    "ad_impression": {"event_type": "ad_impression", "ad_id": "ad-001", "campaign_id": "cmp-01",
                      "placement": "feed", "impression_id": "imp-1"},
    "ad_click": {"event_type": "ad_click", "ad_id": "ad-001", "campaign_id": "cmp-01",
                 "placement": "search", "impression_id": "imp-1"},
    "affiliate_click": {"event_type": "affiliate_click", "affiliate_id": "aff-01", "link_id": "aff-01-L1"},
}

_ORDER = {"event_id": "e-o1", "event_type": "order_placed", "order_id": "o-1", "user_id": "u-000001",
          "ts": NOW_MS - 1000, "currency": "USD", "channel": "web", "device_fingerprint": "dfp-1",
          "payment_fingerprint": "pfp-1", "country": "US",
          "lines": [{"line_id": "o-1-1", "product_id": "p-0001", "category": "electronics",
                     "unit_price_minor": 1999, "qty": 2},
                    {"line_id": "o-1-2", "product_id": "p-0002", "category": "home",
                     "unit_price_minor": 500, "qty": 1}]}

_CONTENT = {"event_id": "e-c1", "content_id": "c-00001", "kind": "product_card", "author_id": "brand-01",
            "tags": ["electronics", "say \"hi\"", "café"], "product_ids": ["p-0001"], "sponsored": True,
            "created_ts": NOW_MS - DAY_MS, "ts": NOW_MS - 1000}


@dataclass(frozen=True)
class EdgeCase:
    """A payload (text or None), the Kafka timestamp it arrives with, and the first reason expected."""

    label: str
    schema: str
    payload: str | None
    kafka_ts_ms: int | None
    expected: str | None


def example_event(schema: str, event_type: str | None = None) -> dict[str, Any]:
    """A valid message of ``schema`` (and ``event_type`` for clickstream), as a fresh dict."""
    if schema == "clickstream":
        return {**_CLICK_BASE, **copy.deepcopy(_CLICKSTREAM_EXAMPLES[event_type or "product_view"])}
    if schema == "orders":
        doc = copy.deepcopy(_ORDER)
        if event_type:
            doc["event_type"] = event_type
        return doc
    if schema == "content":
        return copy.deepcopy(_CONTENT)
    raise KeyError(schema)


def _dump(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False)


def _with(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out.update(changes)
    return out


def _without(doc: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in names}


def _line(doc: dict[str, Any], index: int, **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["lines"][index].update(changes)
    return out


def edge_cases() -> list[EdgeCase]:
    """Every reason code at least once, boundaries, and valid messages off the fast path."""
    cases: list[EdgeCase] = []

    def add(label: str, schema: str, doc: Any, expected: str | None, *, kafka_ts: int | None = NOW_MS,
            raw: bool = False) -> None:
        payload = doc if raw else _dump(doc)
        cases.append(EdgeCase(label, schema, payload, kafka_ts, expected))

    # clickstream ------------------------------------------------------------------------------
    for event_type in _CLICKSTREAM_EXAMPLES:
        add(f"valid {event_type}", "clickstream", example_event("clickstream", event_type), None)
    pv = example_event("clickstream", "product_view")
    add("valid with optional extra field", "clickstream",
        _with(example_event("clickstream", "ad_click"), product_id="p-0002"), None)
    add("valid with unknown extra key", "clickstream", _with(pv, referrer="newsletter"), None)
    add("valid with null optional field", "clickstream", _with(pv, query=None), None)
    add("valid keys in other order", "clickstream", dict(reversed(list(pv.items()))), None)
    add("valid, ts exactly one day ahead", "clickstream", _with(pv, ts=NOW_MS + DAY_MS), None)
    add("valid without kafka timestamp", "clickstream", _with(pv, ts=NOW_MS + 30 * DAY_MS), None,
        kafka_ts=None)
    add("null payload", "clickstream", None, "malformed_json", raw=True)
    add("empty payload", "clickstream", "", "malformed_json", raw=True)
    add("truncated json", "clickstream", _dump(pv)[:40], "malformed_json", raw=True)
    add("not json", "clickstream", "<html>502 Bad Gateway</html>", "malformed_json", raw=True)
    add("NaN literal", "clickstream", _dump(pv).replace(str(129_99), "NaN"), "malformed_json", raw=True)
    add("json array", "clickstream", [pv], "not_an_object")
    add("json string", "clickstream", "product_view", "not_an_object")
    add("json null", "clickstream", "null", "not_an_object", raw=True)
    add("json number", "clickstream", "12", "not_an_object", raw=True)
    for name in ("event_id", "event_type", "user_id", "session_id", "ts", "device", "country",
                 "product_id", "category", "price_minor", "currency"):
        add(f"missing {name}", "clickstream", _without(pv, name), f"missing_field:{name}")
    add("null required field", "clickstream", _with(pv, session_id=None), "missing_field:session_id")
    add("missing required_when field of search", "clickstream",
        _without(example_event("clickstream", "search"), "query"), "missing_field:query")
    add("missing impression_id", "clickstream",
        _without(example_event("clickstream", "ad_impression"), "impression_id"), "missing_field:impression_id")
    add("missing before wrong type", "clickstream", _without(_with(pv, ts="1"), "country"),
        "missing_field:country")
    add("ts as quoted number", "clickstream", _with(pv, ts=str(NOW_MS)), "wrong_type:ts")
    add("ts as float", "clickstream", _with(pv, ts=float(NOW_MS)), "wrong_type:ts")
    add("ts with exponent", "clickstream", _dump(pv).replace(str(NOW_MS - 1000), "1.79e12"),
        "wrong_type:ts", raw=True)
    add("ts beyond int64", "clickstream", _with(pv, ts=2**63), "wrong_type:ts")
    add("ts as bool", "clickstream", _with(pv, ts=True), "wrong_type:ts")
    add("event_id as number", "clickstream", _with(pv, event_id=12), "wrong_type:event_id")
    add("event_type as number", "clickstream", _with(pv, event_type=7), "wrong_type:event_type")
    add("device as array", "clickstream", _with(pv, device=["web"]), "wrong_type:device")
    add("price as quoted number", "clickstream", _with(pv, price_minor="12999"), "wrong_type:price_minor")
    add("price as object", "clickstream", _with(pv, price_minor={"amount": 1}), "wrong_type:price_minor")
    add("optional field of wrong type", "clickstream", _with(pv, query=5), "wrong_type:query")
    add("unknown event_type", "clickstream", _with(pv, event_type="hover"), "not_in_enum:event_type")
    add("unknown device", "clickstream", _with(pv, device="fridge"), "not_in_enum:device")
    add("unknown placement", "clickstream", _with(example_event("clickstream", "ad_click"), placement="top"),
        "not_in_enum:placement")
    add("negative price", "clickstream", _with(pv, price_minor=-1), "below_min:price_minor")
    add("negative ts", "clickstream", _with(pv, ts=-5), "below_min:ts")
    add("unknown currency", "clickstream", _with(pv, currency="ZZZ"), "unknown_currency")
    add("lower-case currency", "clickstream", _with(pv, currency="eur"), "unknown_currency")
    add("far-future ts", "clickstream", _with(pv, ts=NOW_MS + DAY_MS + 1), "far_future_ts")
    add("enum before currency", "clickstream", _with(pv, device="tv", currency="ZZZ"), "not_in_enum:device")

    # orders -----------------------------------------------------------------------------------
    order = example_event("orders")
    add("valid order", "orders", order, None)
    add("valid cancellation without lines", "orders", _with(order, event_type="order_cancelled", lines=[]), None)
    add("valid return", "orders", _with(_line(order, 0, qty=1), event_type="order_returned",
                                        lines=[_line(order, 0, qty=1)["lines"][0]]), None)
    fifty = [{"line_id": f"o-1-{i}", "product_id": f"p-{i:04d}", "category": "toys",
              "unit_price_minor": 100 + i, "qty": 1 + i % 3} for i in range(50)]
    add("valid order with 50 lines", "orders", _with(order, lines=fifty), None)
    add("51 lines", "orders", _with(order, lines=fifty + [fifty[0]]), "above_max:lines")
    add("missing lines", "orders", _without(order, "lines"), "missing_field:lines")
    add("null lines", "orders", _with(order, lines=None), "missing_field:lines")
    add("missing payment_fingerprint", "orders", _without(order, "payment_fingerprint"),
        "missing_field:payment_fingerprint")
    add("lines as string", "orders", _with(order, lines="abc"), "wrong_type:lines")
    add("lines as object", "orders", _with(order, lines={"qty": 1}), "wrong_type:lines")
    add("line without qty", "orders", _with(order, lines=[order["lines"][0],
                                                           _without(order["lines"][1], "qty")]),
        "missing_field:lines.qty")
    add("line with null qty", "orders", _line(order, 1, qty=None), "missing_field:lines.qty")
    add("line that is not an object", "orders", _with(order, lines=[order["lines"][0], 7]),
        "missing_field:lines.line_id")
    add("qty as quoted number", "orders", _line(order, 1, qty="2"), "wrong_type:lines.qty")
    add("qty as float", "orders", _line(order, 0, qty=1.0), "wrong_type:lines.qty")
    add("qty beyond int32", "orders", _line(order, 0, qty=2**31), "wrong_type:lines.qty")
    add("category as number", "orders", _line(order, 0, category=5), "wrong_type:lines.category")
    add("missing item field before wrong item type", "orders",
        _with(_line(order, 0, qty="1"), lines=[_line(order, 0, qty="1")["lines"][0],
                                               _without(order["lines"][1], "category")]),
        "missing_field:lines.category")
    add("negative unit price", "orders", _line(order, 1, unit_price_minor=-500), "below_min:lines.unit_price_minor")
    add("zero qty", "orders", _line(order, 0, qty=0), "below_min:lines.qty")
    add("unknown channel", "orders", _with(order, channel="phone"), "not_in_enum:channel")
    add("currency as number", "orders", _with(order, currency=840), "wrong_type:currency")
    add("unknown order currency", "orders", _with(order, currency="ZZZ"), "unknown_currency")
    add("far-future order", "orders", _with(order, ts=NOW_MS + 3 * DAY_MS), "far_future_ts")

    # content ----------------------------------------------------------------------------------
    content = example_event("content")
    add("valid content", "content", content, None)
    add("valid content with empty arrays", "content", _with(content, tags=[], product_ids=[]), None)
    add("valid content, tags with escapes", "content", _with(content, tags=["a\\b", "line\nbreak", "\u0001"]),
        None)
    add("tags with a number", "content", _with(content, tags=["a", 1]), "wrong_type:tags")
    add("tags with null", "content", _with(content, tags=["a", None]), "wrong_type:tags")
    add("tags as string", "content", _with(content, tags="a,b"), "wrong_type:tags")
    add("missing product_ids", "content", _without(content, "product_ids"), "missing_field:product_ids")
    add("sponsored as string", "content", _with(content, sponsored="true"), "wrong_type:sponsored")
    add("sponsored as number", "content", _with(content, sponsored=1), "wrong_type:sponsored")
    add("unknown kind", "content", _with(content, kind="blog"), "not_in_enum:kind")
    add("negative created_ts", "content", _with(content, created_ts=-1), "below_min:created_ts")
    add("far-future content", "content", _with(content, ts=NOW_MS + 2 * DAY_MS), "far_future_ts")
    return cases
