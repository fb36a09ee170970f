"""The ``rolling_tiles`` process table function (java/, io.shopstream.operators.RollingTiles) from Flink SQL,
parallelism 2, on a handful of literal rows whose expected output is written out by hand: tiles closing,
a tile sliding out of the 1h window while the user does nothing, out-of-order and late rows, a key's
state ending with its 30d window and starting again; and the same rows with emit => 'on_activity'."""
from __future__ import annotations

import datetime as dt

import pytest

from shopstream.settings import load_settings
from tests.flink.inmemory import stream_table_env

pytestmark = pytest.mark.flink

S, MIN, H, D = 1000, 60_000, 3_600_000, 86_400_000
T0 = 1_790_035_200_000  # 2026-09-22T00:00:00Z
WINDOWS = ("1h", "24h", "7d", "30d")

# user, event time - T0, events, orders; in arrival order (a watermark of max time - 5 s after each row)
ROWS = [
    ("a", 62 * S, 1, 1),        # minute 1
    ("a", 10 * S, 1, 0),        # out of order: minute 0 is still open (watermark 57 s), a tile before minute 1
    ("a", 50 * S, 1, 0),        # minute 0 again
    ("b", 30 * MIN + 1 * S, 1, 0),
    ("a", 61 * MIN + 5 * S, 1, 0),
    ("a", 3 * MIN, 1, 1),       # behind the watermark (61 min): its minute closed long ago, not counted
    ("c", 2 * D, 2, 0),
    ("c", 40 * D + 10 * S, 1, 1),  # c's first tile left the 30d window at 32 d: a fresh start
]


def expected_row(user: str, as_of: int, events: tuple, orders: tuple) -> tuple:
    return (user, T0 + as_of, *events, *orders, T0 + as_of - 1)


EXPECTED = [
    # a: minute 0 holds 2 events, minute 1 one event and the order, minute 61 one event
    expected_row("a", 1 * MIN, (2, 2, 2, 2), (0, 0, 0, 0)),
    expected_row("a", 2 * MIN, (3, 3, 3, 3), (1, 1, 1, 1)),
    expected_row("a", 61 * MIN, (1, 3, 3, 3), (1, 1, 1, 1)),      # minute 0 left the 1h window
    expected_row("a", 62 * MIN, (1, 4, 4, 4), (0, 1, 1, 1)),      # minute 61 closed, minute 1 left 1h
    expected_row("a", 122 * MIN, (0, 4, 4, 4), (0, 1, 1, 1)),     # minute 61 left 1h: no activity needed
    expected_row("a", D + 1 * MIN, (0, 2, 4, 4), (0, 1, 1, 1)),
    expected_row("a", D + 2 * MIN, (0, 1, 4, 4), (0, 0, 1, 1)),
    expected_row("a", D + 62 * MIN, (0, 0, 4, 4), (0, 0, 1, 1)),
    expected_row("a", 7 * D + 1 * MIN, (0, 0, 2, 4), (0, 0, 1, 1)),
    expected_row("a", 7 * D + 2 * MIN, (0, 0, 1, 4), (0, 0, 0, 1)),
    expected_row("a", 7 * D + 62 * MIN, (0, 0, 0, 4), (0, 0, 0, 1)),
    expected_row("a", 30 * D + 1 * MIN, (0, 0, 0, 2), (0, 0, 0, 1)),
    expected_row("a", 30 * D + 2 * MIN, (0, 0, 0, 1), (0, 0, 0, 0)),
    expected_row("a", 30 * D + 62 * MIN, (0, 0, 0, 0), (0, 0, 0, 0)),
    # b: one event in minute 30
    expected_row("b", 31 * MIN, (1, 1, 1, 1), (0, 0, 0, 0)),
    expected_row("b", 91 * MIN, (0, 1, 1, 1), (0, 0, 0, 0)),
    expected_row("b", D + 31 * MIN, (0, 0, 1, 1), (0, 0, 0, 0)),
    expected_row("b", 7 * D + 31 * MIN, (0, 0, 0, 1), (0, 0, 0, 0)),
    expected_row("b", 30 * D + 31 * MIN, (0, 0, 0, 0), (0, 0, 0, 0)),
    # c: a row worth 2 events on day 2, then one with an order on day 40
    expected_row("c", 2 * D + 1 * MIN, (2, 2, 2, 2), (0, 0, 0, 0)),
    expected_row("c", 2 * D + 61 * MIN, (0, 2, 2, 2), (0, 0, 0, 0)),
    expected_row("c", 3 * D + 1 * MIN, (0, 0, 2, 2), (0, 0, 0, 0)),
    expected_row("c", 9 * D + 1 * MIN, (0, 0, 0, 2), (0, 0, 0, 0)),
    expected_row("c", 32 * D + 1 * MIN, (0, 0, 0, 0), (0, 0, 0, 0)),
    expected_row("c", 40 * D + 1 * MIN, (1, 1, 1, 1), (1, 1, 1, 1)),
    expected_row("c", 40 * D + 61 * MIN, (0, 1, 1, 1), (0, 1, 1, 1)),
    expected_row("c", 41 * D + 1 * MIN, (0, 0, 1, 1), (0, 0, 1, 1)),
    expected_row("c", 47 * D + 1 * MIN, (0, 0, 0, 1), (0, 0, 0, 1)),
    expected_row("c", 70 * D + 1 * MIN, (0, 0, 0, 0), (0, 0, 0, 0)),
]

# emit => 'on_activity': rows only where a tile closed (what RANGE OVER windows give), tiles leaving
# the windows when the next one closes; c's first tile is gone by day 40 (its state was cleared)
EXPECTED_ON_ACTIVITY = [
    expected_row("a", 1 * MIN, (2, 2, 2, 2), (0, 0, 0, 0)),
    expected_row("a", 2 * MIN, (3, 3, 3, 3), (1, 1, 1, 1)),
    expected_row("a", 62 * MIN, (1, 4, 4, 4), (0, 1, 1, 1)),
    expected_row("b", 31 * MIN, (1, 1, 1, 1), (0, 0, 0, 0)),
    expected_row("c", 2 * D + 1 * MIN, (2, 2, 2, 2), (0, 0, 0, 0)),
    expected_row("c", 40 * D + 1 * MIN, (1, 1, 1, 1), (1, 1, 1, 1)),
]

CREATE_FUNCTION = "create temporary function rolling_tiles as 'io.shopstream.operators.RollingTiles' language java"


def call(windows: str, uid: str, emit: str | None = None, until_ms: int | None = None) -> str:
    mode = f", emit => '{emit}'" if emit else ""
    until = f", until_ms => cast({until_ms} as bigint)" if until_ms is not None else ""
    return (f"rolling_tiles(input => table user_activity partition by user_id, on_time => descriptor(rt), "
            f"windows => '{windows}'{mode}{until}, uid => '{uid}')")


@pytest.fixture(scope="module")
def t_env():
    from pyflink.common import Types
    from pyflink.table import DataTypes, Schema

    env, t_env = stream_table_env(load_settings(), "rolling_tiles_test", parallelism=2)
    rows = [(user, T0 + offset, events, orders) for user, offset, events, orders in ROWS]
    ds = env.from_collection(rows, type_info=Types.ROW_NAMED(
        ["user_id", "ts", "events", "orders"], [Types.STRING(), Types.LONG(), Types.INT(), Types.INT()]))
    schema = (Schema.new_builder()
              .column("user_id", DataTypes.STRING()).column("ts", DataTypes.BIGINT())
              .column("events", DataTypes.INT()).column("orders", DataTypes.INT())
              .column_by_expression("rt", "to_timestamp_ltz(ts, 3)")
              .watermark("rt", "rt - interval '5' second")
              .build())
    t_env.create_temporary_view("raw_activity", t_env.from_data_stream(ds, schema))
    # every integer column besides the partition key is a measure: the input carries only the counters
    t_env.execute_sql("create temporary view user_activity as select user_id, rt, events, orders from raw_activity")
    t_env.execute_sql(CREATE_FUNCTION)
    return t_env


def test_output_columns_are_the_keys_as_of_a_sum_per_measure_and_window_and_rowtime(t_env):
    table = t_env.sql_query(f"select * from {call(','.join(WINDOWS), 'schema')}")
    names = table.get_schema().get_field_names()
    assert names == ["user_id", "as_of_ms", *(f"{m}_{w}" for m in ("events", "orders") for w in WINDOWS), "rowtime"]


def rows_of(t_env, emit: str | None) -> list[tuple]:
    columns = ", ".join(f"{m}_{w}" for m in ("events", "orders") for w in WINDOWS)
    query = (f"select user_id, as_of_ms, {columns}, date_format(rowtime, 'yyyy-MM-dd HH:mm:ss.SSS') as rowtime "
             f"from {call(','.join(WINDOWS), f'rows_{emit}', emit)}")
    with t_env.execute_sql(query).collect() as results:
        return sorted(tuple(r) for r in results)


def with_rowtime_text(rows: list[tuple]) -> list[tuple]:
    def as_text(ms: int) -> str:
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    return sorted((*r[:-1], as_text(r[-1])) for r in rows)


def test_rows_at_each_minute_a_window_changed_and_only_then(t_env):
    assert rows_of(t_env, None) == with_rowtime_text(EXPECTED)
    assert rows_of(t_env, "on_change") == with_rowtime_text(EXPECTED)


def test_on_activity_rows_only_where_a_tile_closed_as_range_over_windows_would(t_env):
    assert rows_of(t_env, "on_activity") == with_rowtime_text(EXPECTED_ON_ACTIVITY)


def test_a_bounded_run_stops_at_until_ms(t_env):
    """The end of input (a watermark at +infinity) fires every timer; rows as of minute ends after
    until_ms are not emitted, so the values stay as of the end of the input."""
    until = T0 + 2 * D + 1 * MIN   # c's first minute end; a and b have slid partly, c not at all
    query = f"select user_id, as_of_ms, events_1h, events_30d from {call(','.join(WINDOWS), 'until', until_ms=until)}"
    with t_env.execute_sql(query).collect() as results:
        got = sorted(tuple(r) for r in results)
    want = sorted((r[0], r[1], r[2], r[5]) for r in EXPECTED if r[1] <= until)
    assert got == want
    last = {}
    for user, as_of, e1h, e30d in got:
        last[user] = (as_of, e1h, e30d)
    assert last == {"a": (T0 + D + 62 * MIN, 0, 4), "b": (T0 + D + 31 * MIN, 0, 1), "c": (until, 2, 2)}


@pytest.mark.parametrize("windows, message", [
    ("1h,90s", "'90s' .* not a number followed by m, h or d"),
    ("1h,1h", "listed twice"),
])
def test_a_bad_window_list_is_a_clear_planning_error(t_env, windows, message):
    from py4j.protocol import Py4JJavaError

    with pytest.raises(Py4JJavaError, match=f"ValidationException: rolling_tiles: .*{message}"):
        t_env.sql_query(f"select * from {call(windows, 'bad')}")


def test_an_unknown_emit_mode_is_a_clear_planning_error(t_env):
    from py4j.protocol import Py4JJavaError

    with pytest.raises(Py4JJavaError, match="rolling_tiles: emit must be 'on_change' or 'on_activity', not 'often'"):
        t_env.sql_query(f"select * from {call('1h', 'bad_emit', 'often')}")
