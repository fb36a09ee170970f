"""Flink's rendered dq_reason and typed extraction agree with the Python contract on every row."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from shopstream.contract import EventSchema, load_contract, validate
from shopstream.contract.examples import edge_cases
from shopstream.contract.flink_sql import extraction_columns, render_select, reporting_amount_expression
from shopstream.contract.reference import to_reporting_minor
from shopstream.contract.derived import derived_values

pytestmark = pytest.mark.flink


@pytest.fixture(scope="module")
def t_env() -> Iterator[Any]:
    from pyflink.table import EnvironmentSettings, TableEnvironment

    env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    env.get_config().set("parallelism.default", "1")
    yield env


def _rows_by_schema() -> dict[str, list[tuple[int, str | None, int | None, str]]]:
    """(row id, payload, kafka_ts_ms, label) per schema: the edge cases plus generated records."""
    out: dict[str, list[tuple[int, str | None, int | None, str]]] = {}
    for i, case in enumerate(edge_cases()):
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
    staged = render_select(schema, f"raw_{schema.name}", passthrough=["row_id", "valid_in_python"])
    columns = [c.name for c in extraction_columns(schema)]
    extra = ""
    if schema.name == "orders":
        extra = (", case when valid_in_python then "
                 + reporting_amount_expression("order_total_minor", "currency", "USD") + " end as total_usd_minor")
    # typed values of bad rows may hold NULL array elements, which PyFlink cannot collect
    guarded = ", ".join(f"case when valid_in_python then `{c}` end as `{c}`" for c in columns)
    sql = f"select row_id, dq_reason, {guarded}{extra} from ({staged})"
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
        if expected_reason is None:
            doc = json.loads(payload)
            got = dict(zip(columns, result[2:2 + len(columns)]))
            want = _expected_values(schema, doc)
            if got != want:
                mismatches.append(f"{label}: values {got} != {want}")
            if name == "orders":
                want_usd = to_reporting_minor(want["order_total_minor"], doc["currency"], "USD")
                if result[-1] != want_usd:
                    mismatches.append(f"{label}: total_usd {result[-1]} != {want_usd}")
    assert not mismatches, "\n".join(mismatches)
