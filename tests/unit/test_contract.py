"""The contract: schema files load, validate() gives the documented reasons, derivations agree."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pyarrow as pa
import pytest

from shopstream.contract import (
    ContractError,
    all_reason_codes,
    check_plan,
    clickhouse_columns,
    derived_values,
    expectations,
    flink_columns,
    flink_row_type,
    load_contract,
    load_fx_rates,
    pyarrow_schema,
    to_reporting_minor,
    validate,
)
from shopstream.contract import flink_sql
from shopstream.contract.examples import NOW_MS, edge_cases, example_event
from shopstream.contract.loader import parse_schema
from shopstream.contract.reference import conversion_factor, load_reference_yaml
from shopstream.settings import TopicSettings

CONTRACT = load_contract()
SCHEMAS = list(CONTRACT.values())
EDGE_CASES = edge_cases()


def test_every_schema_file_loads_with_documented_fields() -> None:
    assert list(CONTRACT) == ["clickstream", "orders", "content"]
    for schema in SCHEMAS:
        assert hasattr(TopicSettings(), schema.topic_setting)
        assert schema.description
        for f in schema.fields:
            assert f.description, f"{schema.name}.{f.name}"
            assert all(sub.description for sub in f.fields)
    assert CONTRACT["clickstream"].key == "user_id"
    assert CONTRACT["orders"].key == "user_id"
    assert CONTRACT["content"].key == "content_id"


def test_reference_files_load() -> None:
    rates = load_fx_rates()
    assert {"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "BRL", "INR"} <= set(rates)
    assert rates["JPY"].minor_units == 0 and rates["USD"].rate_to_usd == Decimal(1)
    for name in ("products", "campaigns", "affiliates"):
        doc = load_reference_yaml(name)
        assert doc["items"] and doc["fields"] and doc["generated_with"]["seed"] == 42


@pytest.mark.parametrize("raw, message", [
    ({"name": "x", "topic_setting": "t", "key": "k", "fields": [{"name": "k", "type": "text"}]}, "unknown type"),
    ({"name": "x", "topic_setting": "t", "key": "k", "fields": [], "colour": 1}, "unknown key"),
    ({"name": "x", "topic_setting": "t", "key": "k", "event_time": "ts",
      "fields": [{"name": "k", "type": "string", "required": True, "description": "d"},
                 {"name": "ts", "type": "int64", "required": True, "logical": "timestamp_ms", "description": "d"},
                 {"name": "a", "type": "string", "required_when": {"k": ["x"]}, "description": "d"}]},
     "required enum field"),
    ({"name": "x", "topic_setting": "t", "key": "k",
      "fields": [{"name": "k", "type": "string", "required": True, "description": "d"}]}, "event_time"),
    ({"name": "x", "topic_setting": "t", "key": "k",
      "fields": [{"name": "k", "type": "string", "min": 1}]}, "numbers and arrays"),
])
def test_schema_mistakes_are_reported(raw: dict, message: str) -> None:
    with pytest.raises(ContractError, match=message):
        parse_schema(raw)


@pytest.mark.parametrize("case", EDGE_CASES, ids=[f"{c.schema}: {c.label}" for c in EDGE_CASES])
def test_edge_case_first_reason(case) -> None:
    reasons = validate(case.payload, CONTRACT[case.schema], now_ms=case.kafka_ts_ms)
    assert (reasons[0] if reasons else None) == case.expected


def test_every_reason_code_is_exercised_by_an_edge_case() -> None:
    expected = {c.expected.split(":")[0] for c in EDGE_CASES if c.expected}
    assert expected == {"malformed_json", "not_an_object", "missing_field", "wrong_type", "not_in_enum",
                        "below_min", "above_max", "unknown_currency", "far_future_ts"}


def test_all_reasons_come_in_canonical_order() -> None:
    schema = CONTRACT["clickstream"]
    doc = example_event("clickstream", "product_view")
    doc.update(ts=NOW_MS + 10 * 86_400_000, currency="ZZZ", price_minor=-5, device="tv", country=7)
    del doc["session_id"]
    reasons = validate(doc, schema, now_ms=NOW_MS)
    assert reasons == ["missing_field:session_id", "wrong_type:country", "not_in_enum:device",
                       "below_min:price_minor", "unknown_currency", "far_future_ts"]
    codes = all_reason_codes(schema)
    assert [codes.index(r) for r in reasons] == sorted(codes.index(r) for r in reasons)


def test_payload_forms_and_reference_time() -> None:
    schema = CONTRACT["orders"]
    doc = example_event("orders")
    text = json.dumps(doc)
    assert validate(doc, schema) == validate(text, schema) == validate(text.encode(), schema) == []
    assert validate(b"\xff\xfe{}", schema) == ["malformed_json"]
    future = dict(doc, ts=NOW_MS + 5 * 86_400_000)
    assert validate(future, schema) == []  # no reference time: no far-future check
    assert validate(future, schema, now_ms=NOW_MS) == ["far_future_ts"]
    assert validate(future, schema, now_ms=NOW_MS, max_future_ms=6 * 86_400_000) == []


def test_derived_order_total() -> None:
    assert derived_values(CONTRACT["orders"], example_event("orders")) == {"order_total_minor": 1999 * 2 + 500}
    assert derived_values(CONTRACT["orders"], dict(example_event("orders"), lines=[])) == {"order_total_minor": 0}


_COMPATIBLE = {
    "string": ("string", ("String", "LowCardinality(String)"), "STRING"),
    "int32": ("int32", ("Int32",), "INT"),
    "int64": ("int64", ("Int64",), "BIGINT"),
    "float64": ("double", ("Float64",), "DOUBLE"),
    "bool": ("bool", ("Bool",), "BOOLEAN"),
    "timestamp_ms": ("timestamp[ms, tz=UTC]", ("DateTime64(3, 'UTC')",), "BIGINT"),
    "array<string>": ("list<item: string not null>", ("Array(String)",), "ARRAY<STRING>"),
}


def _strip_nullable(ch: str) -> str:
    ch = re.sub(r"^LowCardinality\(Nullable\((.*)\)\)$", r"LowCardinality(\1)", ch)
    return re.sub(r"^Nullable\((.*)\)$", r"\1", ch)


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_pyarrow_clickhouse_and_flink_types_agree(schema) -> None:
    arrow = pyarrow_schema(schema)
    ch = clickhouse_columns(schema)
    fl = flink_columns(schema)
    names = schema.field_names()
    assert arrow.names == [n for n, _ in ch] == [n for n, _ in fl] == names
    for f, (_, ch_type), (_, fl_type) in zip(schema.fields, ch, fl):
        arrow_field = arrow.field(f.name)
        assert arrow_field.nullable == (not f.required)
        assert ch_type.startswith(("Nullable", "LowCardinality(Nullable")) == (not f.required and not f.is_array)
        if f.is_struct_array:
            items = arrow_field.type.value_type
            assert [items.field(i).name for i in range(items.num_fields)] == [s.name for s in f.fields]
            assert ch_type == "Array(Tuple(" + ", ".join(
                f"{s.name} {'LowCardinality(String)' if s.low_cardinality else _COMPATIBLE[s.type][1][0]}"
                for s in f.fields) + "))"
            assert fl_type == "ARRAY<ROW<" + ", ".join(f"`{s.name}` {_COMPATIBLE[s.type][2]}" for s in f.fields) + ">>"
            for s in f.fields:
                assert str(items.field(s.name).type) == _COMPATIBLE[s.type][0]
            continue
        key = f.logical or f.type
        want_arrow, want_ch, want_flink = _COMPATIBLE[key]
        assert str(arrow_field.type) == want_arrow, f.name
        assert _strip_nullable(ch_type) in want_ch, f.name
        assert (_strip_nullable(ch_type) == "LowCardinality(String)") == bool(f.enum or f.low_cardinality)
        assert fl_type == want_flink, f.name
    assert flink_row_type(schema).startswith("ROW<`")
    # the pyarrow schema accepts the example event, timestamps as datetimes
    doc = example_event(schema.name)
    row = {k: (pa.scalar(v, pa.timestamp("ms", tz="UTC")).as_py() if schema.field(k).logical else v)
           for k, v in doc.items()}
    assert pa.Table.from_pylist([row], schema=arrow).num_rows == 1


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_flink_extraction_covers_every_field(schema) -> None:
    columns = flink_sql.extraction_columns(schema)
    expected = []
    for f, (_, fl_type) in zip(schema.fields, flink_columns(schema)):
        if f.is_struct_array:
            expected += [(f"{f.name}_{s.name}", f"ARRAY<{t}>") for s, (_, t) in
                         zip(f.fields, [(s.name, _COMPATIBLE[s.type][2]) for s in f.fields])]
        else:
            expected.append((f.name, fl_type))
    expected += [(d.name, "BIGINT") for d in schema.derived]
    assert [(c.name, c.type) for c in columns] == expected


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_dq_reason_sql_lists_the_plan_in_order(schema) -> None:
    sql = flink_sql.dq_reason_expression(schema)
    slow = sql[sql.index("when not (payload is json)"):]
    positions = [slow.index(f"then '{code}'") for code in all_reason_codes(schema)]
    assert positions == sorted(positions)
    # JSON path features Flink 2.3 cannot evaluate (they need json-smart) must never be rendered
    paths = re.findall(r"'(\$(?:[^']|'')*)'", sql)
    assert paths
    for path in paths:
        assert not re.search(r"\[\?\(\s*!|&&\s*!|\|\|\s*!|\(\s*!", path), path
        assert not re.search(r"\bin\s*\[|\bnin\b|\bexists\b", path), path
        assert not re.search(r"\[\?\(@\.\w+\)\]", path), path


def test_render_select_names_every_column() -> None:
    schema = CONTRACT["orders"]
    sql = flink_sql.render_select(schema, "raw_orders", passthrough=["kafka_partition", "kafka_offset"])
    assert sql.startswith("select\n  kafka_partition,\n  kafka_offset,\n  case")
    assert " as dq_reason" in sql and sql.endswith("from raw_orders")
    for c in flink_sql.extraction_columns(schema):
        assert f" as `{c.name}`" in sql
    assert "to_timestamp_ltz" in flink_sql.event_time_expression(schema)


def test_flink_regexes_match_jackson_serialisations() -> None:
    strings = re.compile(flink_sql._STRING_ARRAY_REGEX)
    assert strings.match('[["a","say \\"hi\\"","caf\u00e9","\\\\","[x]"]]') and strings.match("[[]]")
    assert not strings.match('[["a",1]]') and not strings.match('[["a",null]]') and not strings.match('["a"]')
    scalars = re.compile(flink_sql._SCALAR_OBJECT_REGEX)
    assert scalars.match('{"a":1,"b":"{[not nested]}","c":null,"d":true}')
    assert not scalars.match('{"a":[1]}') and not scalars.match('{"a":{"b":1}}')
    items = re.compile(flink_sql._SCALAR_LIST_REGEX)
    assert items.match('[1,"x",2.5,null]') and not items.match('[1,{"q":1}]')


def test_reporting_amounts() -> None:
    assert to_reporting_minor(1000, "USD", "USD") == 1000
    assert to_reporting_minor(1000, "EUR", "USD") == 1085
    assert to_reporting_minor(1000, "JPY", "USD") == 670  # 1000 yen, no minor units
    assert to_reporting_minor(-1000, "JPY", "USD") == -670
    assert to_reporting_minor(1, "INR", "USD") == 0  # 0.0119 cents rounds to 0
    assert conversion_factor("USD", "JPY") == Decimal("1.492537313433")
    sql = flink_sql.reporting_amount_expression("amount", "currency", "USD")
    assert "when 'EUR' then cast(1.085000000000 as decimal(24, 12))" in sql


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: s.name)
def test_expectations_follow_the_check_plan(schema) -> None:
    exps = expectations(schema)
    plan = check_plan(schema)
    assert [e["meta"]["reason"] for e in exps[:len(plan)]] == [c.reason for c in plan]
    assert exps[-1]["expectation_type"] == "expect_column_values_to_be_unique"
    for e in exps:
        assert set(e) == {"expectation_type", "kwargs", "meta"} and e["kwargs"]["column"]
    if schema.name == "clickstream":
        page = next(e for e in exps if e["meta"]["reason"] == "missing_field:page")
        assert page["kwargs"]["row_condition"] == 'event_type in ["page_view"]'
