"""The profile job's SQL transformation on in-memory rows (no broker): a local Flink environment,
parallelism 1, the job's own SQL files from staging to the profile views, compared with the batch
computation of tests/e2e/reference.py."""
from __future__ import annotations

import pytest

from shopstream.generator import GenerationParams
from shopstream.settings import load_settings
from tests.e2e.reference import compute
from tests.flink.inmemory import apply_views, generated_records, table_env_with_sources

pytestmark = pytest.mark.flink


def in_memory_records():
    return generated_records(GenerationParams(seed=7, users=25, products=60, start_ms=1_790_000_000_000, days=1.0,
                                              events=1500, bad_share=0.05, late_share=0.03, duplicate_share=0.03))


@pytest.fixture(scope="module")
def flink_results():
    from shopstream.flink.runner import load_job

    settings = load_settings()
    records = in_memory_records()
    t_env = table_env_with_sources(settings, records, "profile_sql_test")
    apply_views(t_env, load_job("user_profiles"), settings, "profile_sql_test")
    results = {}
    metrics = ("events", "views", "clicks", "carts", "engagements", "orders", "spend_minor")
    lifetime_columns = ("user_id, as_of_ms, events, `views`, clicks, carts, orders, spend_minor, priced_views, "
                        "viewed_price_minor, first_seen_ms, last_seen_ms, last_order_ms, device, country, last_event_ms")
    queries = {f"profile_window_{w}": f"select user_id, '{w}', as_of_ms, {', '.join(f'{m}_{w}' for m in metrics)} "
                                      f"from profile_windows" for w in ("1h", "30d")}
    queries["profile_lifetime"] = f"select {lifetime_columns} from profile_lifetime"
    queries["stg_clickstream"] = "select dq_reason, kafka_offset from stg_clickstream"
    for view, query in queries.items():
        with t_env.execute_sql(query).collect() as rows:
            results[view] = [tuple(r) for r in rows]
    p = settings.profiles
    expected = compute(records["clickstream"] + records["orders"],
                       topics={"clickstream": "clickstream", "orders": "orders"},
                       watermark_delay_ms=settings.events.watermark_delay_ms, reporting_currency=settings.events.reporting_currency,
                       affinity_epoch_ms=p.affinity_epoch_ms, affinity_half_life_h=p.affinity_half_life_h,
                       bounded=False)  # the in-memory input ends with an infinite watermark
    return results, expected


def test_window_rows_equal_the_batch_computation(flink_results):
    results, expected = flink_results
    for window in ("1h", "30d"):
        got = {tuple(r) for r in results[f"profile_window_{window}"]}
        want = {r for r in expected.window_rows if r[1] == window}
        assert got == want, f"{window}: {len(got ^ want)} rows differ"


def test_latest_lifetime_row_per_user_equals_the_batch_computation(flink_results):
    results, expected = flink_results
    latest = {}
    for row in results["profile_lifetime"]:
        if row[0] not in latest or row[1] > latest[row[0]][1]:
            latest[row[0]] = row
    assert sorted(latest) == sorted(expected.profiles)
    for user, (_, as_of, events, views, clicks, carts, orders, spend, priced, viewed, first, last, last_order,
               device, country, last_event) in latest.items():
        e = expected.profiles[user]
        assert (as_of, events, views, clicks, carts, orders, spend, first, last, last_order, device) == (
            e["as_of_ms_lifetime"], e["events_total"], e["views_total"], e["clicks_total"], e["carts_total"],
            e["orders_total"], e["spend_minor_total"], e["first_seen_ms"], e["last_seen_ms"], e["last_order_ms"],
            e["device"]), user


def test_staging_routes_bad_and_late_records(flink_results):
    results, expected = flink_results
    bad = {("clickstream", 0, r[1], r[0]) for r in results["stg_clickstream"] if r[0] is not None}
    assert bad == {d for d in expected.dead_letters if d[0] == "clickstream"}
    assert bad, "the generated input must contain bad records"
