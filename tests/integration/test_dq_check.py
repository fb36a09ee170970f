"""`shopstream dq check` against the local ClickHouse endpoint: bad rows are named with their table, column,
count and keys; clean tables pass; every run is recorded in dq_runs. Each test has a database of its own
(the session's is shared with tests that write dead letters)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid

import pytest

from shopstream.cli.main import main
from shopstream.clickhouse import migrations
from shopstream.clickhouse.client import connect
from shopstream.contract.examples import edge_cases
from shopstream.dq.ge import GreatExpectations
from shopstream.dq.suites import OutputSuite
from shopstream.dq.tables import check_output
from shopstream.outputs import Column, OutputSpec
from shopstream.stack.scoped import environment

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 9, 21, 12, 0, tzinfo=dt.UTC)
WINDOW_COLUMNS = ["user_id", "window_name", "as_of_ms", "events", "views", "clicks", "carts", "engagements", "orders",
                  "spend_minor"]
DEAD_LETTER_COLUMNS = ["source_topic", "source_partition", "source_offset", "job", "reason", "raw_payload", "kafka_ts"]
LATE_COLUMNS = ["source_topic", "source_partition", "source_offset", "job", "event_id", "user_id", "event_ts",
                "watermark", "raw_payload", "kafka_ts"]

# An output whose table was made by hand, to be checked (a MergeTree: what is inserted stays).
FIXTURE_OUTPUT = OutputSpec(
    "fixture_orders", "Orders of a hand-made table", "test.fixture_orders",
    (Column("order_id", "string"), Column("as_of_ms", "int64"), Column("amount_minor", "int64"),
     Column("currency", "string"), Column("note", "string", nullable=True)),
    key=("order_id",), version="as_of_ms", clickhouse_table="fixture_orders", engine="MergeTree")


@pytest.fixture
def database(stack_settings):
    """Settings of a fresh database with every migration applied."""
    settings = stack_settings.replace(clickhouse={"database": f"dq_{uuid.uuid4().hex[:8]}"})
    migrations.apply(connect(settings, "writer", database=""), settings)
    return settings


def dq_check(settings, capsys, *args: str) -> tuple[int, str]:
    with environment({"SHOPSTREAM_CLICKHOUSE__DATABASE": settings.clickhouse.database}):
        rc = main(["dq", "check", *args])
    return rc, capsys.readouterr().out


def by_reason(outcomes, table: str) -> dict:
    return {o.reason: o for o in outcomes if o.table == table}


def window_rows(users: int, as_of_ms: int = 1_790_000_060_000) -> list[list]:
    return [[f"u-{i:06d}", w, as_of_ms, 3, 2, 1, 0, 0, 0, 0] for i in range(users) for w in ("1h", "24h")]


def test_bad_rows_are_named_with_table_column_count_and_keys(database):
    w = connect(database, "writer")
    # drifted from the specification: a nullable key, amount stored as Int32, no currency column
    w.command("create table fixture_orders (order_id Nullable(String), as_of_ms Int64, amount_minor Int32, "
              "note Nullable(String)) engine = MergeTree order by tuple()")
    good = [[f"o-{i}", 100 + i, 500, None] for i in range(8)]
    bad = [[None, 7, 100, "null key"], ["o-3", 103, 900, "same key and version as a good row"],
           ["o-9", -5, 100, "negative version"], ["", 4, 100, "empty key"]]
    w.insert("fixture_orders", good[:4] + bad[:2], column_names=["order_id", "as_of_ms", "amount_minor", "note"])
    w.insert("fixture_orders", good[4:] + bad[2:], column_names=["order_id", "as_of_ms", "amount_minor", "note"])

    ge = GreatExpectations()
    outcomes = {}
    for batch_rows in (3, 10_000):  # a duplicate key's rows meet in one batch whatever the batch size
        found = check_output(connect(database, "analyst"), ge, OutputSuite("fixtures", FIXTURE_OUTPUT),
                             database.clickhouse.database, batch_rows=batch_rows, examples=5)
        outcomes[batch_rows] = by_reason(found, "fixture_orders")
    assert {r: (o.success, o.failing_rows) for r, o in outcomes[3].items()} == \
           {r: (o.success, o.failing_rows) for r, o in outcomes[10_000].items()}
    found = outcomes[3]
    failed = {r for r, o in found.items() if not o.success}
    assert failed == {"missing_column:currency", "wrong_type:amount_minor", "null_value:order_id",
                      "empty_key:order_id", "negative_version:as_of_ms", "duplicate_key"}
    assert found["wrong_type:amount_minor"].detail == "stored as Int32, specified Int64"
    assert found["wrong_type:note"].success  # Nullable(String) as specified
    null = found["null_value:order_id"]
    assert (null.column, null.evaluated_rows, null.failing_rows) == ("order_id", 12, 1)
    assert [json.loads(e)["as_of_ms"] for e in null.examples] == [7]
    duplicate = found["duplicate_key"]
    assert (duplicate.expectation, duplicate.column) == ("expect_compound_columns_to_be_unique", "order_id, as_of_ms")
    assert duplicate.failing_rows == 2
    assert {(json.loads(e)["order_id"], json.loads(e)["as_of_ms"]) for e in duplicate.examples} == {("o-3", 103)}
    negative = found["negative_version:as_of_ms"]
    assert negative.failing_rows == 1 and json.loads(negative.examples[0])["order_id"] == "o-9"
    assert found["empty_key:order_id"].failing_rows == 1
    assert not any(o.failing_rows for r, o in found.items() if r not in failed)

    missing = dataclasses.replace(FIXTURE_OUTPUT, clickhouse_table="no_such_table")
    (only,) = check_output(connect(database, "analyst"), ge, OutputSuite("fixtures", missing),
                           database.clickhouse.database, batch_rows=100, examples=5)
    assert (only.expectation, only.success) == ("expect_table_engine", False) and "does not exist" in only.detail


def test_dq_check_fails_names_the_failures_and_records_the_run(database, capsys):
    w = connect(database, "writer")
    topic = database.topics.clickstream
    w.insert("user_profile_windows", window_rows(5), column_names=WINDOW_COLUMNS)
    w.insert("user_profile_windows", window_rows(5), column_names=WINDOW_COLUMNS)  # a replay: FINAL keeps one
    w.insert("user_profile_windows", [["u-000042", "1h", -60_000, 1, 1, 0, 0, 0, 0, 0],
                                      ["", "24h", 1_790_000_060_000, 1, 1, 0, 0, 0, 0, 0]], column_names=WINDOW_COLUMNS)
    valid = next(c for c in edge_cases() if c.label == "valid product_view")
    invalid = json.loads(valid.payload) | {"device": "smart_fridge"}
    w.insert("late_events", [[topic, 0, 10, "engagement", "e-1", "u-000001", T0, T0, valid.payload, T0],
                             [topic, 1, 11, "engagement", "e-2", "u-000001", T0, T0, json.dumps(invalid), T0]],
             column_names=LATE_COLUMNS)
    w.insert("dead_letters", [[topic, 0, 20, "engagement", "not_in_enum:device", json.dumps(invalid), T0],
                              [topic, 0, 21, "engagement", "missing_field:user_id", valid.payload, T0],
                              ["shopstream.profile_windows", 0, 5, "engagement", "loader_error: RecordError: x", "{",
                               T0]], column_names=DEAD_LETTER_COLUMNS)

    rc, out = dq_check(database, capsys)
    assert rc == 1
    assert "FAIL user_profiles/output:profile_windows on user_profile_windows" in out
    assert ("expect_column_values_to_be_between [negative_version:as_of_ms] user_profile_windows.as_of_ms: "
            "1 of 12 rows") in out
    assert '"user_id": "u-000042"' in out
    assert "[empty_key:user_id] user_profile_windows.user_id: 1 of 12 rows" in out
    assert "[not_in_enum:device] late_events.device: 1 of 2 rows" in out and '"source_offset": 11' in out
    assert "[missing_field:user_id] dead_letters.user_id: 1 of 1 rows" in out and '"source_offset": 21' in out
    assert "ok   runtime/output:dead_letters on dead_letters" in out
    run_id = out.rsplit("run_id = '", 1)[1].split("'")[0]

    a = connect(database, "analyst")
    rows = a.query("select suite, expectation, reason, `table`, `column`, success, evaluated_rows, failing_rows, "
                   "examples from dq_runs final where run_id = {run:String}", parameters={"run": run_id}).named_results()
    rows = list(rows)
    failed = {(r["table"], r["reason"]): r for r in rows if not r["success"]}
    assert set(failed) == {("user_profile_windows", "negative_version:as_of_ms"),
                           ("user_profile_windows", "empty_key:user_id"), ("late_events", "not_in_enum:device"),
                           ("dead_letters", "missing_field:user_id")}
    assert failed[("user_profile_windows", "negative_version:as_of_ms")]["failing_rows"] == 1
    assert failed[("user_profile_windows", "negative_version:as_of_ms")]["column"] == "as_of_ms"
    assert json.loads(failed[("late_events", "not_in_enum:device")]["examples"][0])["source_offset"] == 11
    passed = {(r["table"], r["reason"]) for r in rows if r["success"]}
    assert ("user_profile_windows", "duplicate_key") in passed  # the replayed rows are one row under FINAL
    assert ("dead_letters", "not_in_enum:device") in passed
    assert not any(r["reason"].startswith("loader_error") for r in rows)

    rc, out = dq_check(database, capsys, "user_profiles")
    assert rc == 1 and "runtime/" not in out and "user_profile_windows" in out
    assert a.query("select uniqExact(run_id) from dq_runs").result_rows[0][0] == 2


def test_clean_tables_pass(database, capsys):
    """Every valid edge case of the contract as a late event, every invalid one as a dead letter with its
    expected reason, and well-formed window rows: every expectation is met."""
    w = connect(database, "writer")
    w.insert("user_profile_windows", window_rows(30), column_names=WINDOW_COLUMNS)
    topics = {s: getattr(database.topics, s) for s in ("clickstream", "orders", "content")}
    late, dead = [], []
    for i, case in enumerate(c for c in edge_cases() if c.kafka_ts_ms is not None):
        kafka_ts = dt.datetime.fromtimestamp(case.kafka_ts_ms / 1000, dt.UTC)
        if case.expected is None:
            late.append([topics[case.schema], 0, i, "engagement", "", "", kafka_ts, kafka_ts, case.payload, kafka_ts])
        else:
            dead.append([topics[case.schema], 0, i, "engagement", case.expected, case.payload or "", kafka_ts])
    w.insert("late_events", late, column_names=LATE_COLUMNS)
    w.insert("dead_letters", dead, column_names=DEAD_LETTER_COLUMNS)

    rc, out = dq_check(database, capsys, "--batch-rows", "7")
    assert rc == 0, out
    assert "FAIL" not in out and "all met" in out
    a = connect(database, "analyst")
    evaluated = dict(a.query(
        "select `table`, sum(evaluated_rows) from dq_runs where suite like 'input:%' and "
        "(expectation = 'expect_payload_to_be_a_json_object' or `table` = 'dead_letters') group by `table`").result_rows)
    assert evaluated == {"late_events": len(late), "dead_letters": len(dead)}
    counts = a.query("select `table`, countIf(not success), sum(evaluated_rows) > 0 from dq_runs "
                     "group by `table` order by `table`").result_rows
    assert counts == [("dead_letters", 0, True), ("late_events", 0, True), ("user_profile_windows", 0, True)]
