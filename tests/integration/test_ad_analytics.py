"""The ClickHouse side of ad CTR against the local endpoint: migrations, reference tables, replay-safe
minute inserts, the hourly and daily rollups, every analyst query (through `shopstream query`) and the
campaign report, each checked against a computation in Python over the same synthetic rows."""
from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
from collections import defaultdict

import pytest

from shopstream.products.ad_features.ctr import Counts, Priors, smoothed_ctr
from shopstream.products.ad_features.pacing import pacing
from shopstream.cli.main import main
from shopstream.clickhouse import migrations
from shopstream.clickhouse.append_once import insert_absent
from shopstream.clickhouse.client import connect
from shopstream.clickhouse.queries import discover
from shopstream.products.ad_features.reference_tables import load_reference_tables
from shopstream.contract.reference import load_reference_yaml

pytestmark = pytest.mark.integration

COLUMNS = ("minute", "ad_id", "campaign_id", "placement", "segment", "country", "device",
           "impressions", "clicks", "orphan_clicks", "conversions", "revenue_minor", "spend_minor")
KEY = ("campaign_id", "ad_id", "placement", "segment", "country", "device", "minute")
MEASURES = COLUMNS[7:]
DIMS = ("campaign_id", "ad_id", "placement", "segment", "country", "device")
START = dt.datetime(2026, 9, 21, tzinfo=dt.UTC)
FROM, NOW = "2026-09-21 00:00:00", "2026-09-22 10:30:00"  # two days, the second one running
NOW_DT = dt.datetime(2026, 9, 22, 10, 30)
BASE_CTR = {"feed": 0.012, "search": 0.025, "sidebar": 0.004}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def synthetic_rows() -> list[tuple]:
    """Minute rows of three campaigns (one per placement) over 34.5 hours, some keys twice in a batch.
    cmp-03 clicks a lot (it overspends); ad-006 has more clicks than impressions at 03:00."""
    rng = random.Random(20260921)
    campaigns = {c["campaign_id"]: c for c in load_reference_yaml("campaigns")["items"]}
    chosen = [campaigns["cmp-01"], campaigns["cmp-02"], campaigns["cmp-03"]]
    click_rate = {"cmp-01": 0.04, "cmp-02": 0.06, "cmp-03": 0.2}
    rows = []
    for m in range(0, 34 * 60 + 30, 3):
        minute = START + dt.timedelta(minutes=m)
        for _ in range(3):
            c = rng.choice(chosen)
            ad = rng.choice(c["ads"])
            impressions = rng.choice([0, rng.randint(1, 40)])
            clicks = sum(rng.random() < click_rate[c["campaign_id"]] for _ in range(impressions))
            clicks += rng.random() < 0.05  # a click whose impression fell in an earlier minute
            if ad["ad_id"] == "ad-006" and minute.hour == 3:  # clicks on impressions of another hour
                impressions, clicks = 1, 2
            conversions = int(clicks > 0 and rng.random() < 0.3)
            rows.append((minute, ad["ad_id"], c["campaign_id"], c.get("placement", ""),
                         rng.choice(["new", "vip"]), rng.choice(["DE", "US"]), rng.choice(["mobile", "desktop"]),
                         impressions, clicks, int(rng.random() < 0.05), conversions,
                         conversions * rng.randint(1000, 20000), clicks * ad["bid_usd_minor"]))
    return rows


def first_per_key(rows: list[tuple]) -> list[tuple]:
    seen, out = set(), []
    for r in rows:
        key = tuple(r[COLUMNS.index(c)] for c in KEY)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def rollup(rows: list[tuple], period) -> dict[tuple, tuple]:
    """Python sums by the six dimensions and ``period(minute)``; groups of zeros are left out, as
    SummingMergeTree drops a row whose measures are all 0."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(MEASURES))
    for r in rows:
        d = dict(zip(COLUMNS, r))
        acc = sums[tuple(d[c] for c in DIMS) + (period(d["minute"]),)]
        for i, m in enumerate(MEASURES):
            acc[i] += d[m]
    return {k: tuple(v) for k, v in sums.items() if any(v)}


def hour_of(minute: dt.datetime) -> dt.datetime:
    return minute.replace(minute=0, tzinfo=None)


def day_of(minute: dt.datetime) -> dt.date:
    return minute.date()


def total(rows, measure, **where) -> int:
    """Sum of a measure over the rows matching ``where`` (``hour`` = hour start in [lo, hi))."""
    i = COLUMNS.index(measure)
    lo, hi = where.pop("hours", (None, None))
    out = 0
    for r in rows:
        d = dict(zip(COLUMNS, r))
        if lo is not None and not lo <= hour_of(d["minute"]) < hi:
            continue
        if all(d[k] == v for k, v in where.items()):
            out += r[i]
    return out


def stored_rollup(client, table: str, period: str) -> dict[tuple, tuple]:
    rows = client.query(f"select {', '.join(DIMS)}, {period}, {', '.join(f'sum({m})' for m in MEASURES)} "
                        f"from {table} group by {', '.join(DIMS)}, {period}").result_rows
    return {tuple(r[:7]): tuple(r[7:]) for r in rows}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def query_json(capsys, name: str, **params: str) -> list[dict]:
    args = ["query", name, "--format", "JSONEachRow"]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    documented = discover()[name].columns
    assert all(list(r) == documented for r in rows), name
    return rows


@pytest.fixture(scope="module")
def ads(stack_settings):
    """Migrations applied (again: idempotent), references loaded, the synthetic rows inserted."""
    migrations.apply(connect(stack_settings, "writer", database=""), stack_settings)
    writer = connect(stack_settings, "writer")
    first_load = load_reference_tables(writer, stack_settings)
    rows = synthetic_rows()
    half = len(rows) // 2
    inserted = [insert_absent(writer, "ad_performance_minute", COLUMNS, rows[:half], KEY),
                insert_absent(writer, "ad_performance_minute", COLUMNS, rows, KEY)]
    return {"settings": stack_settings, "writer": writer, "rows": rows, "kept": first_per_key(rows),
            "first_load": first_load, "inserted": inserted, "half": half}


def test_reference_tables_load_once(ads):
    doc = load_reference_yaml("campaigns")
    assert ads["first_load"] == {"ad_campaigns": len(doc["items"]),
                                 "ad_ads": sum(len(c["ads"]) for c in doc["items"])}
    assert load_reference_tables(ads["writer"], ads["settings"]) == {"ad_campaigns": 0, "ad_ads": 0}
    analyst = connect(ads["settings"], "analyst")
    assert analyst.query("select campaign_id, placement, daily_budget_minor from ad_campaigns final "
                         "where campaign_id = 'cmp-03'").result_rows == [
        ("cmp-03", doc["items"][2].get("placement", ""), doc["items"][2]["daily_budget_usd_minor"])]
    assert analyst.command("select count() from ad_ads final") == ads["first_load"]["ad_ads"]


def test_insert_absent_writes_each_key_once_and_a_replay_changes_no_total(ads):
    writer, rows, kept = ads["writer"], ads["rows"], ads["kept"]
    assert len(kept) < len(rows)  # the batch held repeated keys
    assert sum(ads["inserted"]) == len(kept)
    assert ads["inserted"][1] == len(kept) - len(first_per_key(rows[:ads["half"]]))
    before = (stored_rollup(writer, "ad_performance_hourly", "hour"),
              stored_rollup(writer, "ad_performance_daily", "day"))
    assert insert_absent(writer, "ad_performance_minute", COLUMNS, rows, KEY) == 0
    assert insert_absent(writer, "ad_performance_minute", COLUMNS, list(reversed(rows[:500])), KEY) == 0
    after = (stored_rollup(writer, "ad_performance_hourly", "hour"),
             stored_rollup(writer, "ad_performance_daily", "day"))
    assert after == before
    assert writer.command("select count() from ad_performance_minute") == len(kept)


def test_rollups_equal_python_sums(ads):
    writer, kept = ads["writer"], ads["kept"]
    assert stored_rollup(writer, "ad_performance_hourly", "hour") == rollup(kept, hour_of)
    assert stored_rollup(writer, "ad_performance_daily", "day") == rollup(kept, day_of)


def test_campaign_report_per_ad(ads, capsys):
    kept = ads["kept"]
    hours = (dt.datetime(2026, 9, 21), NOW_DT)
    got = {r["ad_id"]: r for r in query_json(capsys, "campaign_report", campaign_id="cmp-01", **{"from": FROM},
                                             to=NOW)}
    ads_of_campaign = {r[1] for r in kept if r[2] == "cmp-01"}
    assert set(got) == ads_of_campaign
    for ad_id, r in got.items():
        sums = {m: total(kept, m, ad_id=ad_id, hours=hours) for m in MEASURES}
        assert {m: int(r[m]) for m in MEASURES} == sums
        assert r["ctr"] == pytest.approx(sums["clicks"] / sums["impressions"])
        assert r["cvr"] == pytest.approx(sums["conversions"] / sums["clicks"])
        assert r["cpc_minor"] == pytest.approx(sums["spend_minor"] / sums["clicks"])
        assert r["roas"] == pytest.approx(sums["revenue_minor"] / sums["spend_minor"])


def test_placement_comparison_and_share_of_spend(ads, capsys):
    kept = ads["kept"]
    hours = (dt.datetime(2026, 9, 21), dt.datetime(2026, 9, 22))
    got = query_json(capsys, "placement_comparison", **{"from": FROM}, to="2026-09-22T00:00:00Z")
    spend = {p: total(kept, "spend_minor", placement=p, hours=hours) for p in BASE_CTR}
    assert [r["placement"] for r in got] == sorted(BASE_CTR)
    for r in got:
        assert int(r["impressions"]) == total(kept, "impressions", placement=r["placement"], hours=hours)
        assert int(r["spend_minor"]) == spend[r["placement"]]
        assert r["spend_share"] == pytest.approx(spend[r["placement"]] / sum(spend.values()))


def counts(rows, **where) -> Counts:
    imps, clicks = total(rows, "impressions", **where), total(rows, "clicks", **where)
    return Counts(imps, min(clicks, imps))


def test_ctr_over_time_is_the_hierarchical_posterior_mean(ads, capsys):
    kept = ads["kept"]
    got = query_json(capsys, "ctr_over_time", campaign_id="cmp-02", **{"from": FROM}, to=NOW)
    hours_with_data = {hour_of(r[0]) for r in kept if r[2] == "cmp-02" and hour_of(r[0]) < NOW_DT}
    assert {dt.datetime.fromisoformat(r["hour"]) for r in got} == hours_with_data
    raw_over_one = 0
    for r in got:
        hour = dt.datetime.fromisoformat(r["hour"])
        span = (hour, hour + dt.timedelta(hours=1))
        expected = smoothed_ctr(counts(kept, ad_id=r["ad_id"], hours=span),
                                counts(kept, campaign_id="cmp-02", placement=r["placement"], hours=span),
                                counts(kept, placement=r["placement"], hours=span),
                                BASE_CTR[r["placement"]], Priors())
        assert r["smoothed_ctr"] == pytest.approx(expected.ctr, rel=1e-9)
        assert r["raw_ctr"] == (None if not int(r["impressions"]) else
                                pytest.approx(int(r["clicks"]) / int(r["impressions"])))
        raw_over_one += r["raw_ctr"] is not None and r["raw_ctr"] > 1
    assert raw_over_one  # the capped case was exercised
    stronger = query_json(capsys, "ctr_over_time", campaign_id="cmp-02", **{"from": FROM}, to=NOW,
                          ad_strength="1e9")
    assert all(s["smoothed_ctr"] == pytest.approx(s["campaign_ctr"]) for s in stronger)


def test_campaign_hourly_matches_the_campaign_level(ads, capsys):
    kept = ads["kept"]
    got = query_json(capsys, "campaign_hourly", campaign_id="cmp-01", **{"from": FROM}, to=NOW)
    budget = next(c for c in load_reference_yaml("campaigns")["items"] if c["campaign_id"] == "cmp-01")
    for r in got:
        hour = dt.datetime.fromisoformat(r["hour"])
        span = (hour, hour + dt.timedelta(hours=1))
        assert int(r["spend_minor"]) == total(kept, "spend_minor", campaign_id="cmp-01", hours=span)
        priors = Priors()
        placement = counts(kept, placement=r["placement"], hours=span)
        mu_p = (priors.placement_strength * BASE_CTR[r["placement"]] + placement.clicks) / (
            priors.placement_strength + placement.impressions)
        campaign = counts(kept, campaign_id="cmp-01", hours=span)
        assert r["smoothed_ctr"] == pytest.approx(
            (priors.campaign_strength * mu_p + campaign.clicks) / (priors.campaign_strength + campaign.impressions))
        assert int(r["daily_budget_minor"]) == budget["daily_budget_usd_minor"]


def test_pacing_against_the_python_pacing(ads, capsys):
    kept = ads["kept"]
    budgets = {c["campaign_id"]: c["daily_budget_usd_minor"] for c in load_reference_yaml("campaigns")["items"]}
    got = query_json(capsys, "pacing", **{"from": FROM}, to=NOW)
    assert len(got) == 2 * len(budgets)
    now_ms = int(NOW_DT.replace(tzinfo=dt.UTC).timestamp() * 1000)
    flags = set()
    for r in got:
        day = dt.date.fromisoformat(r["day"])
        as_of = NOW_DT if day == NOW_DT.date() else dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
        assert dt.datetime.fromisoformat(r["as_of"]) == as_of
        spend = sum(x[COLUMNS.index("spend_minor")] for x in kept
                    if x[2] == r["campaign_id"] and x[0].date() == day and x[0].replace(tzinfo=None) < as_of)
        assert int(r["spend_minor"]) == spend
        budget = budgets[r["campaign_id"]]
        if day == NOW_DT.date():
            p = pacing(spend, budget, now_ms)
            assert r["expected_spend_minor"] == pytest.approx(p.expected_spend_minor)
            assert (r["pace"] is None) == (p.pace is None) and (p.pace is None or r["pace"] == pytest.approx(p.pace))
            assert bool(r["over_pace"]) == p.over_pace
        else:
            assert r["share_of_day"] == 1 and r["expected_spend_minor"] == pytest.approx(budget)
            assert bool(r["over_pace"]) == (spend >= budget)  # a whole day: pace = spend / budget
        flags.add(bool(r["over_pace"]))
    assert flags == {True, False}
    lenient = query_json(capsys, "pacing", **{"from": FROM}, to=NOW, tolerance="1000")
    assert all(bool(r["over_pace"]) == (int(r["spend_minor"]) >= int(r["daily_budget_minor"])) for r in lenient)


def test_every_query_file_runs(ads, capsys):
    values = {"campaign_id": "cmp-01", "from": FROM, "to": NOW}
    for name, q in discover().items():
        rows = query_json(capsys, name, **{p.name: values[p.name] for p in q.params if p.default is None})
        assert rows, name


def test_query_usage_errors_exit_2_and_name_the_problem(ads, capsys):
    code, _, err = run_cli(capsys, "query", "campaign_reprot")
    assert code == 2 and "no query named 'campaign_reprot'" in err and "campaign_report" in err
    code, _, err = run_cli(capsys, "query", "campaign_report", "--param", "campaign_id=cmp-01")
    assert code == 2 and "--param from=" in err and "--param to=" in err and "Traceback" not in err
    code, out, _ = run_cli(capsys, "query", "--list")
    assert code == 0 and re.search(r"^pacing\s+Budget pacing", out, re.MULTILINE)


def test_campaign_report_png_and_html(ads, capsys, tmp_path):
    png_path, html_path = tmp_path / "cmp-01.png", tmp_path / "out" / "cmp-01.html"
    code, out, err = run_cli(capsys, "report", "campaign", "cmp-01", "--out", str(png_path))
    assert code == 0, err
    assert png_path.read_bytes().startswith(PNG_SIGNATURE) and str(png_path) in out
    code, _, err = run_cli(capsys, "report", "campaign", "cmp-01", "--out", str(html_path),
                           "--from", "2026-09-21", "--to", "2026-09-22")
    assert code == 0, err
    page = html_path.read_text()
    embedded = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert embedded and base64.b64decode(embedded.group(1)).startswith(PNG_SIGNATURE)
    spend = total(ads["kept"], "spend_minor", campaign_id="cmp-01",
                  hours=(dt.datetime(2026, 9, 21), dt.datetime(2026, 9, 22)))
    assert f"${spend / 100:,.2f}" in page


def test_report_of_a_campaign_without_data_says_so(ads, capsys, tmp_path):
    code, _, err = run_cli(capsys, "report", "campaign", "cmp-99", "--out", str(tmp_path / "x.png"))
    assert code == 1 and "campaign 'cmp-99' has no ad performance" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()
