"""Flink's rendered dq_reason and typed extraction agree with the Python contract on every row."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from shopstream.contract import EventSchema, load_contract, validate
from shopstream.contract.examples import edge_cases
from shopstream.contract.derived import derived_values
from shopstream.contract.examples import EdgeCase
from shopstream.contract.flink_sql import (
    extraction_columns,
    fast_path_expression,
    render_select,
    reporting_amount_expression,
)
from shopstream.contract.reference import to_reporting_minor
from shopstream.generator import GenerationParams, generate

# valid messages that must take the full checks (and still come out valid)
OFF_FAST_PATH = {"valid with optional extra field", "valid with unknown extra key", "valid with null optional field"}

pytestmark = pytest.mark.flink


@pytest.fixture(scope="module")
def t_env() -> Iterator[Any]:
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    yield env


Row = tuple[int, "str | None", "int | None", str]


def _rows_by_schema() -> dict[str, list[Row]]:
    """(row id, payload, kafka_ts_ms, label) per schema: the edge cases plus generated records."""
    cases: list[EdgeCase] = edge_cases()
    params = GenerationParams(events=3000, bad_share=0.1, late_share=0.05, duplicate_share=0.02)
    by_topic = {s.topic_setting: s.name for s in load_contract().values()}
    for n, r in enumerate(generate(params)):
        cases.append(EdgeCase(f"generated #{n} {r.kind}", by_topic[r.topic_setting], r.value.decode(), r.ts_ms,
                              r.expected_reason))
    out: dict[str, list[Row]] = {}
    for i, case in enumerate(cases):
        out.setdefault(case.schema, []).append((i, case.payload, case.kafka_ts_ms, case.label))
    return out


def _expected_values(schema: EventSchema, doc: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in schema.fields:
        if f.is_struct_array:
            for sub in f.fields:
                values[f"{f.name}_{sub.name}"] = [item[sub.name] for item in doc[f.name]]
        else:
            values[f.name] = doc.get(f.name)
    values.update(derived_values(schema, doc))
    return values


def _query(t_env: Any, schema: EventSchema, rows: list[tuple[int, str | None, int | None, str]]) -> list[Any]:
    from pyflink.table import DataTypes

    source = t_env.from_elements(
        [(i, payload, kafka_ts, not validate(payload, schema, now_ms=kafka_ts)) for i, payload, kafka_ts, _ in rows],
        DataTypes.ROW([DataTypes.FIELD("row_id", DataTypes.INT()),
                       DataTypes.FIELD("payload", DataTypes.STRING()),
                       DataTypes.FIELD("kafka_ts_ms", DataTypes.BIGINT()),
                       DataTypes.FIELD("valid_in_python", DataTypes.BOOLEAN())]))
    t_env.create_temporary_view(f"raw_{schema.name}", source)
    staged = render_select(schema, f"raw_{schema.name}", passthrough=["row_id", "valid_in_python", "payload"])
    columns = [c.name for c in extraction_columns(schema)]
    extra = ""
    if schema.name == "orders":
        extra = (", case when valid_in_python then "
                 + reporting_amount_expression("order_total_minor", "currency", "USD") + " end as total_usd_minor")
    # typed values of bad rows may hold NULL array elements, which PyFlink cannot collect
    guarded = ", ".join(f"case when valid_in_python then `{c}` end as `{c}`" for c in columns)
    fast = fast_path_expression(schema).replace("\n", " ")
    sql = (f"select row_id, dq_reason, {guarded}{extra}, "
           f"coalesce({fast}, false) as on_fast_path from ({staged})")
    with t_env.execute_sql(sql).collect() as results:
        return sorted(list(results), key=lambda r: r[0])


@pytest.mark.parametrize("name", ["clickstream", "orders", "content"])
def test_dq_reason_and_values_match_python(t_env: Any, name: str) -> None:
    contract = load_contract()
    schema = contract[name]
    rows = _rows_by_schema()[name]
    results = _query(t_env, schema, rows)
    assert [r[0] for r in results] == [i for i, *_ in rows]
    columns = [c.name for c in extraction_columns(schema)]
    mismatches = []
    for (i, payload, kafka_ts, label), result in zip(rows, results):
        reasons = validate(payload, schema, now_ms=kafka_ts)
        expected_reason = reasons[0] if reasons else None
        if result[1] != expected_reason:
            mismatches.append(f"{label}: flink={result[1]!r} python={expected_reason!r}")
            continue
        on_fast_path = result[-1]
        if on_fast_path and reasons not in ([], ["far_future_ts"]):
            mismatches.append(f"{label}: on the fast path but invalid: {reasons}")
        if expected_reason is None and on_fast_path == (label in OFF_FAST_PATH):
            mismatches.append(f"{label}: fast path {on_fast_path}")
        if expected_reason is None:
            doc = json.loads(payload)
            got = dict(zip(columns, result[2:2 + len(columns)]))
            want = _expected_values(schema, doc)
            if got != want:
                mismatches.append(f"{label}: values {got} != {want}")
            if name == "orders":
                want_usd = to_reporting_minor(want["order_total_minor"], doc["currency"], "USD")
                if result[-2] != want_usd:
                    mismatches.append(f"{label}: total_usd {result[-2]} != {want_usd}")
    assert not mismatches, "\n".join(mismatches[:30])
    assert sum(1 for *_, label in rows if label.startswith("generated")) > (20 if name == "content" else 50)


def test_order_lines_unnest_with_ordinality(t_env: Any) -> None:
    """The documented recipe for per-line rows rebuilds order_total_minor from the aligned arrays."""
    from pyflink.table import DataTypes

    schema = load_contract()["orders"]
    orders = [r for r in generate(GenerationParams(events=3000)) if r.topic_setting == "orders"]
    source = t_env.from_elements([(r.value.decode(), r.ts_ms) for r in orders],
                                 DataTypes.ROW([DataTypes.FIELD("payload", DataTypes.STRING()),
                                                DataTypes.FIELD("kafka_ts_ms", DataTypes.BIGINT())]))
    t_env.create_temporary_view("raw_orders_lines", source)
    staged = render_select(schema, "raw_orders_lines")
    sql = (f"select `order_id`, `event_type`, sum(cast(lines_unit_price_minor[line_no] as bigint) * lines_qty[line_no]), "
           f"max(order_total_minor) from ({staged}) "
           f"cross join unnest(lines_category) with ordinality as l(category, line_no) "
           f"group by `order_id`, `event_type`")
    with t_env.execute_sql(sql).collect() as results:
        rows = list(results)
    assert len(rows) > 20
    assert all(r[2] == r[3] for r in rows)
