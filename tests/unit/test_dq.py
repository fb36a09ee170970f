"""Data-quality suites derived from output specifications, and their evaluation with Great Expectations on
in-memory rows: the output rows of a table, late events and dead letters (no ClickHouse)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from shopstream.cli.main import build_parser
from shopstream.contract.examples import edge_cases
from shopstream.contract.expectations import output_expectations, table_key
from shopstream.dq.ge import GreatExpectations
from shopstream.dq.inputs import DeadLetters, LateEvents
from shopstream.dq.runs import Outcome, Run, report
from shopstream.dq.suites import RUNTIME, input_suites, output_suites
from shopstream.dq.tables import SCHEMA_EXPECTATIONS, base_type, evaluate, key_group_batches
from shopstream.outputs import load_outputs
from shopstream.registry import RegistryError, output_spec
from shopstream.settings import load_settings

OWN_EXPECTATIONS = {"expect_table_engine"}  # shopstream's own, judged from the table's metadata

SPEC_YAML = """
orders_out:
  description: orders, for the tests
  topic: test.orders_out
  key: [order_id, line]
  version: as_of_ms
  clickhouse: orders_out
  columns:
    - {name: order_id, type: string}
    - {name: line, type: int32}
    - {name: as_of_ms, type: int64}
    - {name: amount_minor, type: int64}
    - {name: coupon, type: string, nullable: true}
    - {name: shipped_at, type: timestamp_ltz}
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("outputs") / "outputs.yaml"
    path.write_text(SPEC_YAML)
    return load_outputs(path)[0]


@pytest.fixture(scope="module")
def ge():
    return GreatExpectations()


def test_output_expectations_derive_from_the_spec(spec) -> None:
    exps = output_expectations(spec)
    by_reason = {e["meta"]["reason"]: e for e in exps}
    assert len(by_reason) == len(exps), "one reason per expectation"
    assert all(set(e) == {"expectation_type", "kwargs", "meta"} and e["meta"]["output"] == "orders_out" for e in exps)
    assert by_reason["wrong_engine"]["kwargs"] == {"engine": "ReplacingMergeTree"}
    for c in spec.columns:
        assert by_reason[f"missing_column:{c.name}"]["expectation_type"] == "expect_column_to_exist"
        assert by_reason[f"wrong_type:{c.name}"]["kwargs"] == {"column": c.name, "type_": c.ch_type()}
        assert (f"null_value:{c.name}" in by_reason) == (not c.nullable)
    assert by_reason["wrong_type:shipped_at"]["kwargs"]["type_"] == "DateTime64(3, 'UTC')"
    assert by_reason["wrong_type:coupon"]["kwargs"]["type_"] == "Nullable(String)"
    assert [r for r in by_reason if r.startswith("empty_key:")] == ["empty_key:order_id"]  # string keys only
    assert by_reason["negative_version:as_of_ms"]["kwargs"] == {"column": "as_of_ms", "min_value": 0}
    unique = by_reason["duplicate_key"]
    assert unique["expectation_type"] == "expect_compound_columns_to_be_unique"
    assert unique["kwargs"] == {"column_list": ["order_id", "line", "as_of_ms"]}


def test_a_single_column_key_without_version_is_unique_on_its_own() -> None:
    dead = output_spec("dead_letters")
    assert table_key(dead) == dead.key
    assert "negative_version" not in json.dumps(output_expectations(dead))
    windows = output_spec("profile_windows")
    assert table_key(windows) == ("user_id", "as_of_ms")  # one wide row per user and minute
    lifetime = output_spec("profile_lifetime")
    assert {e["expectation_type"]: e["kwargs"] for e in output_expectations(lifetime)}[
        "expect_compound_columns_to_be_unique"] == {"column_list": ["user_id", "as_of_ms"]}


def test_every_derived_expectation_is_great_expectations_vocabulary(spec) -> None:
    from great_expectations.expectations.registry import get_expectation_impl
    types = {e["expectation_type"] for e in output_expectations(spec)}
    for s in input_suites(load_settings(env={})):
        types |= {e["expectation_type"] for e in s.expectations}
    for etype in types - OWN_EXPECTATIONS - {"expect_event_time_not_far_in_future"}:
        assert get_expectation_impl(etype) is not None


def test_output_suites_cover_every_output_with_a_table() -> None:
    everything = {(s.product, s.table) for s in output_suites()}
    assert everything == {(RUNTIME, "dead_letters"), (RUNTIME, "late_events"), ("user_profiles", "user_profile_windows")}
    assert [s.table for s in output_suites("user_profiles")] == ["user_profile_windows"]
    assert output_suites("ad_features") == []  # its outputs land in ClickHouse only through conversions
    with pytest.raises(RegistryError, match="unknown product"):
        output_suites("nope")


def test_output_rows_are_judged_by_great_expectations(spec, ge) -> None:
    rows = [{"order_id": "o-1", "line": 1, "as_of_ms": 10, "amount_minor": 5, "coupon": None, "shipped_at": None},
            {"order_id": "o-1", "line": 1, "as_of_ms": 10, "amount_minor": 5, "coupon": "X", "shipped_at": None},
            {"order_id": "", "line": 2, "as_of_ms": -1, "amount_minor": None, "coupon": None, "shipped_at": None}]
    frame = pd.DataFrame(rows).astype({"line": "Int32", "as_of_ms": "Int64", "amount_minor": "Int64"})
    frame["shipped_at"] = pd.Timestamp("2026-09-21")
    exps = [e for e in output_expectations(spec) if e["expectation_type"] not in SCHEMA_EXPECTATIONS]
    tallies = dict(zip((e["meta"]["reason"] for e in exps), evaluate(ge, "orders_out", exps, [frame],
                                                                      table_key(spec), examples=1)))
    assert {r: t.failing for r, t in tallies.items() if not t.success} == {
        "duplicate_key": 2, "empty_key:order_id": 1, "negative_version:as_of_ms": 1, "null_value:amount_minor": 1}
    assert tallies["duplicate_key"].examples == [{"order_id": "o-1", "line": 1, "as_of_ms": 10}]
    assert all(t.rows == 3 and not t.errors for t in tallies.values())


def test_batches_never_split_the_rows_of_one_key() -> None:
    keys = [("a", 1)] * 3 + [("b", 1), ("b", 2)] + [("c", 1)] * 5 + [(None, 1)] * 2 + [("d", 1)]
    frame = pd.DataFrame(keys, columns=["k", "v"])
    blocks = [frame.iloc[i:i + 2] for i in range(0, len(frame), 2)]  # blocks cut through keys
    batches = list(key_group_batches(blocks, ["k", "v"], 3))
    assert sum(len(b) for b in batches) == len(frame)
    seen: dict = {}
    for n, b in enumerate(batches):
        for key in map(tuple, b[["k", "v"]].itertuples(index=False)):
            assert seen.setdefault(key, n) == n, f"{key} in two batches"
        assert len(b) <= 5  # the only key longer than a batch makes one larger batch
    assert [len(b) for b in key_group_batches([frame], [], 4)] == [4, 4, 4, 1]


def test_base_type_ignores_storage_wrappers() -> None:
    assert base_type("LowCardinality(Nullable(String))") == "String"
    assert base_type("Nullable(Int64)") == "Int64"
    assert base_type("DateTime64(3, 'UTC')") == "DateTime64(3, 'UTC')"


def _rows(suite, cases) -> list[dict]:
    return [{"source_topic": suite.topic, "source_partition": 0, "source_offset": i, "raw_payload": c.payload,
             "kafka_ts_ms": c.kafka_ts_ms} for i, c in enumerate(cases)]


CASES = [c for c in edge_cases() if c.kafka_ts_ms is not None]


@pytest.mark.parametrize("suite", input_suites(load_settings(env={})), ids=lambda s: s.name)
def test_every_valid_edge_case_meets_every_input_expectation_in_ge(suite, ge) -> None:
    valid = [c for c in CASES if c.schema == suite.schema.name and c.expected is None]
    check = LateEvents(ge, suite, examples=3)
    check.add(_rows(suite, valid[: len(valid) // 2]))
    check.add(_rows(suite, valid[len(valid) // 2:]))
    outcomes = check.outcomes()
    assert [o for o in outcomes if not o.success] == []
    assert {o.evaluated_rows for o in outcomes} == {len(valid)}
    evaluated = {o.reason for o in outcomes}
    assert {e["meta"]["reason"] for e in suite.expectations if not e["meta"].get("stateful")} <= evaluated


def test_a_late_event_breaking_the_contract_is_named_with_its_position(ge) -> None:
    suite = next(s for s in input_suites(load_settings(env={})) if s.schema.name == "orders")
    order = next(c for c in CASES if c.label == "valid order")
    doc = json.loads(order.payload)
    doc["lines"][1]["qty"] = 0
    rows = _rows(suite, [order]) + [{**_rows(suite, [order])[0], "source_offset": 7, "raw_payload": json.dumps(doc)},
                                    {**_rows(suite, [order])[0], "source_offset": 8, "raw_payload": "[1]"}]
    check = LateEvents(ge, suite, examples=3)
    check.add(rows)
    failed = {o.reason: o for o in check.outcomes() if not o.success}
    assert set(failed) == {"below_min:lines.qty", "malformed_json | not_an_object"}
    qty = failed["below_min:lines.qty"]
    assert (qty.column, qty.failing_rows, qty.evaluated_rows) == ("lines[*].qty", 1, 2)
    assert json.loads(qty.examples[0])["source_offset"] == 7
    assert json.loads(failed["malformed_json | not_an_object"].examples[0])["reason"] == "not_an_object"


def test_dead_letters_must_fail_the_expectation_their_reason_names() -> None:
    suites = input_suites(load_settings(env={}))
    topic = {s.schema.name: s.topic for s in suites}
    check = DeadLetters(suites, examples=2)
    invalid = [c for c in CASES if c.expected]
    for i, c in enumerate(invalid):
        check.add(topic[c.schema], 0, i, "engagement", c.expected, c.payload or "", c.kafka_ts_ms)
    assert all(o.success for o in check.outcomes())
    valid = next(c for c in CASES if c.schema == "clickstream" and not c.expected)
    check.add(topic["clickstream"], 1, 1, "engagement", "missing_field:user_id", valid.payload, valid.kafka_ts_ms)
    check.add(topic["clickstream"], 1, 2, "engagement", "no_such_reason", valid.payload, valid.kafka_ts_ms)
    failed = {o.reason: o for o in check.outcomes() if not o.success}
    assert set(failed) == {"missing_field:user_id", "no_such_reason"}
    assert failed["missing_field:user_id"].failing_rows == 1
    assert failed["missing_field:user_id"].expectation == "expect_column_values_to_not_be_null"
    assert json.loads(failed["missing_field:user_id"].examples[-1])["source_offset"] == 1
    assert "no expectation of clickstream" in failed["no_such_reason"].detail


def test_report_names_each_failure_where_it_is() -> None:
    import datetime as dt
    run = Run("r-1", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), "all", [
        Outcome("p", "output:x", "expect_column_values_to_not_be_null", "null_value:a", "t", "a", False, 10, 2,
                ('{"a": null}',)),
        Outcome("p", "output:x", "expect_column_to_exist", "missing_column:b", "t", "b", True, 0, None)])
    lines = report(run)
    assert lines[0] == "FAIL p/output:x on t: 1 of 2 expectations met over 10 rows"
    assert lines[1].strip() == "expect_column_values_to_not_be_null [null_value:a] t.a: 2 of 10 rows"
    assert lines[2].strip() == 'e.g. {"a": null}'
    assert lines[-1] == "dq check r-1 (all): 2 expectations, 1 failed"


def test_dq_check_arguments_and_settings() -> None:
    args = build_parser().parse_args(["dq", "check", "user_profiles", "--batch-rows", "100"])
    assert (args.command, args.dq_command, args.product, args.batch_rows, args.examples) == \
           ("dq", "check", "user_profiles", 100, None)
    assert build_parser().parse_args(["dq", "check"]).product is None
    s = load_settings(env={"SHOPSTREAM_DQ__BATCH_ROWS": "1234"})
    assert (s.dq.batch_rows, s.dq.examples) == (1234, 5)
