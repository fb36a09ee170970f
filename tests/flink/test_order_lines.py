"""The staging view ``order_lines`` on hand-written orders: a cancellation that lists no lines cancels the
whole order (the contract), one that lists lines cancels those; expected amounts written by hand."""
from __future__ import annotations

import json

import pytest

from shopstream.contract import load_contract
from shopstream.contract.validate import validate
from shopstream.settings import load_settings
from tests.e2e.reference import KafkaRecord
from tests.flink.inmemory import apply_views, table_env_with_sources

pytestmark = pytest.mark.flink

T0 = 1_790_000_000_000


def order(event_id, event_type, order_id, ts, lines, currency="USD"):
    return {"event_id": event_id, "event_type": event_type, "order_id": order_id, "user_id": "u-1", "ts": ts,
            "currency": currency, "channel": "web", "device_fingerprint": "d-1", "payment_fingerprint": "p-1",
            "country": "US", "lines": lines}


def line(line_id, price, qty, category="shoes"):
    return {"line_id": line_id, "product_id": f"p-{line_id}", "category": category, "unit_price_minor": price,
            "qty": qty}


ORDERS = [
    order("e1", "order_placed", "o-1", T0, [line("o-1-1", 1000, 1), line("o-1-2", 500, 2)]),
    order("e2", "order_placed", "o-2", T0 + 1000, [line("o-2-1", 300, 1), line("o-2-2", 700, 1)]),
    order("e3", "order_cancelled", "o-1", T0 + 600_000, []),                       # the whole order
    order("e4", "order_cancelled", "o-2", T0 + 601_000, [line("o-2-1", 300, 1)]),   # one line
    order("e5", "order_cancelled", "o-9", T0 + 602_000, []),                       # no such order: nothing
    order("e6", "order_placed", "o-3", T0 + 603_000, [line("o-3-1", 100, 1)]),
    order("e7", "order_cancelled", "o-3", T0 + 602_500, []),  # before its order (event time): nothing
]


def test_a_cancellation_without_lines_cancels_the_whole_order():
    schema = load_contract()["orders"]
    for o in ORDERS:
        assert validate(json.dumps(o).encode(), schema, now_ms=o["ts"]) == [], o["event_id"]
    view = {"event_id": "c1", "event_type": "page_view", "user_id": "u-1", "ts": T0, "session_id": "s-1",
            "device": "web", "country": "US"}
    records = {"clickstream": [KafkaRecord("clickstream", 0, 0, T0, json.dumps(view).encode())], "orders": [KafkaRecord("orders", 0, i, o["ts"], json.dumps(o).encode())
                                             for i, o in enumerate(ORDERS)]}
    settings = load_settings()
    from shopstream.flink.runner import load_job
    t_env = table_env_with_sources(settings, records, "order_lines_test")
    apply_views(t_env, load_job("user_profiles"), settings, "order_lines_test")
    with t_env.execute_sql("select event_id, event_type, qty, spend_minor from order_lines").collect() as rows:
        got = sorted(tuple(r) for r in rows)
    assert got == sorted([
        ("e1", "order_placed", 1, 1000), ("e1", "order_placed", 2, 1000),
        ("e2", "order_placed", 1, 300), ("e2", "order_placed", 1, 700),
        ("e3", "order_cancelled", 1, -1000), ("e3", "order_cancelled", 2, -1000),
        ("e4", "order_cancelled", 1, -300),
        ("e6", "order_placed", 1, 100),
    ])
