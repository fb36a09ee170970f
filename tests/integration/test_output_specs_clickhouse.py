"""The ClickHouse migrations agree with the output specifications: every output that lands one-to-one in
a table has each of its columns there, with the type the spec derives (the real engine, after migrations)."""
from __future__ import annotations

import pytest

from shopstream.clickhouse.client import connect
from shopstream.flink.staging_layer import RUNTIME_OUTPUTS
from shopstream.registry import products

pytestmark = pytest.mark.integration


def _base(ch_type: str) -> str:
    """LowCardinality is storage, not type."""
    return ch_type.replace("LowCardinality(", "", 1)[:-1] if ch_type.startswith("LowCardinality(") else ch_type


def test_tables_of_outputs_have_the_spec_columns(stack_settings):
    client = connect(stack_settings, "writer")
    db = stack_settings.clickhouse.database
    specs = [o.table_spec for o in (*RUNTIME_OUTPUTS, *(o for p in products() for o in p.outputs)) if o.table_spec]
    assert specs, "some outputs land in ClickHouse tables"
    problems = []
    for spec in specs:
        actual = {name: _base(t) for name, t in client.query(
            "select name, type from system.columns where database = {db:String} and table = {t:String}",
            parameters={"db": db, "t": spec.clickhouse_table}).result_rows}
        if not actual:
            problems.append(f"{spec.name}: table {spec.clickhouse_table} does not exist")
            continue
        for name, want in spec.clickhouse_columns():
            if name not in actual:
                problems.append(f"{spec.name}: {spec.clickhouse_table} has no column {name}")
            elif _base(actual[name]) != _base(want):
                problems.append(f"{spec.name}: {spec.clickhouse_table}.{name} is {actual[name]}, the spec says {want}")
    assert not problems, "\n".join(problems)
