"""The pure part of insert_absent: which rows of a batch are new, and the lookup it sends."""
import datetime as dt

import pytest

from shopstream.clickhouse.append_once import absent_rows, canonical, insert_absent, key_positions, lookup_query

UTC = dt.UTC
COLUMNS = ["minute", "ad_id", "campaign_id", "impressions"]
KEY = ["campaign_id", "ad_id", "minute"]


def row(minute: int, ad: str, impressions: int, campaign: str = "cmp-01"):
    return (dt.datetime(2026, 9, 21, 10, minute, tzinfo=UTC), ad, campaign, impressions)


def test_rows_with_a_stored_key_are_dropped_and_the_rest_kept_in_order():
    positions = key_positions(COLUMNS, KEY)
    batch = [row(0, "ad-1", 5), row(1, "ad-1", 6), row(0, "ad-2", 7)]
    stored = [("cmp-01", "ad-1", dt.datetime(2026, 9, 21, 10, 0))]  # as read back: naive UTC
    assert absent_rows(batch, positions, stored) == [row(1, "ad-1", 6), row(0, "ad-2", 7)]


def test_first_copy_of_a_key_within_the_batch_wins():
    positions = key_positions(COLUMNS, KEY)
    batch = [row(0, "ad-1", 5), row(0, "ad-1", 99), row(0, "ad-1", 5, campaign="cmp-02")]
    assert absent_rows(batch, positions, []) == [row(0, "ad-1", 5), row(0, "ad-1", 5, campaign="cmp-02")]


def test_aware_and_naive_utc_times_are_the_same_key():
    aware = dt.datetime(2026, 9, 21, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert canonical(aware) == dt.datetime(2026, 9, 21, 10, 0)
    assert canonical("x") == "x" and canonical(dt.date(2026, 9, 21)) == dt.date(2026, 9, 21)


def test_key_columns_must_be_inserted_columns():
    with pytest.raises(ValueError, match="placement"):
        key_positions(COLUMNS, ["campaign_id", "placement"])


def test_lookup_is_bounded_by_the_range_and_the_leading_key():
    assert lookup_query("t", KEY, "minute", "campaign_id") == (
        "select distinct campaign_id, ad_id, minute from t "
        "where minute between %(low)s and %(high)s and campaign_id in %(values)s")


class FakeClient:
    """Records the lookup and the insert; answers the lookup with ``stored``."""

    def __init__(self, stored):
        self.stored, self.queries, self.inserts = stored, [], []

    def query(self, sql, parameters=None):
        self.queries.append((sql, parameters))
        return type("Result", (), {"result_rows": self.stored})()

    def insert(self, table, rows, column_names=None):
        self.inserts.append((table, rows, column_names))


def test_insert_absent_sends_one_bounded_lookup_and_one_insert():
    ch = FakeClient(stored=[("cmp-01", "ad-1", dt.datetime(2026, 9, 21, 10, 0))])
    batch = [row(0, "ad-1", 5), row(3, "ad-1", 6), row(1, "ad-2", 7, campaign="cmp-02")]
    assert insert_absent(ch, "t", COLUMNS, batch, KEY) == 2
    (sql, params), = ch.queries
    assert sql == lookup_query("t", KEY, "minute", "campaign_id")
    assert params == {"low": dt.datetime(2026, 9, 21, 10, 0), "high": dt.datetime(2026, 9, 21, 10, 3),
                      "values": ("cmp-01", "cmp-02")}
    assert ch.inserts == [("t", [list(batch[1]), list(batch[2])], COLUMNS)]


def test_nothing_new_means_no_insert_and_an_empty_batch_no_query():
    ch = FakeClient(stored=[("cmp-01", "ad-1", dt.datetime(2026, 9, 21, 10, 0))])
    assert insert_absent(ch, "t", COLUMNS, [row(0, "ad-1", 5)], KEY) == 0
    assert ch.inserts == []
    empty = FakeClient(stored=[])
    assert insert_absent(empty, "t", COLUMNS, [], KEY) == 0
    assert empty.queries == []
