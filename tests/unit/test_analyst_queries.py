"""Analyst query files (sql/queries/): discovery, headers, `--param` parsing and binding."""
import re

import pytest

from shopstream.products.ad_features.ctr import Priors
from shopstream.products.ad_features.pacing import DEFAULT_HOURLY_TRAFFIC
from shopstream.clickhouse.queries import (QueryError, query_dirs, bind, discover, find, parse, parse_param_args,
                                          settings_params)
from shopstream.settings import load_settings

ADS_QUERIES = {"campaign_report", "placement_comparison", "ctr_over_time", "pacing", "campaign_hourly"}


def test_every_shipped_query_is_found_and_documented():
    queries = discover()
    assert ADS_QUERIES <= set(queries)
    for q in queries.values():
        assert q.summary.endswith(".") and "Parameters:" in q.header and "Columns:" in q.header, q.name
        assert q.columns and len(q.columns) == len(set(q.columns)), q.name
        assert all(p.description for p in q.params), q.name
        assert q.sql.lower().startswith("with") or q.sql.lower().startswith("select"), q.name
        assert not q.sql.endswith(";") and "--" not in q.sql.splitlines()[-1], q.name


def test_time_ranges_are_utc_parameters():
    for q in discover().values():
        types = {p.name: p.type for p in q.params}
        assert types.get("from") == types.get("to") == "DateTime('UTC')", q.name


def test_file_defaults_are_the_default_settings_and_priors():
    """A query run by another client (defaults) agrees with `shopstream query` on default settings."""
    from_settings = settings_params(load_settings(env={}))
    priors = Priors()
    assert {k: float(v) for k, v in from_settings.items() if k.endswith("_strength")} == {
        "placement_strength": priors.placement_strength, "campaign_strength": priors.campaign_strength,
        "ad_strength": priors.ad_strength}
    for q in discover().values():
        for p in q.params:
            if p.default is not None:
                assert float(p.default) == float(from_settings[p.name]), (q.name, p.name)


def test_settings_replace_file_defaults_but_not_given_values():
    q = find("pacing")
    fallbacks = {"tolerance": "0.25", "ad_strength": "7"}  # ad_strength is not pacing's: ignored
    assert bind(q, {"from": "2026-09-21", "to": "2026-09-22"}, fallbacks)["tolerance"] == "0.25"
    assert bind(q, {"from": "2026-09-21", "to": "2026-09-22", "tolerance": "0"}, fallbacks)["tolerance"] == "0"


def test_pacing_curve_is_the_default_hourly_traffic():
    sql = find("pacing").sql
    literal = re.search(r"\[([\d.,\s]+)\]\s+as hourly_traffic", sql)
    assert literal is not None
    assert tuple(float(x) for x in literal.group(1).split(",")) == DEFAULT_HOURLY_TRAFFIC


def test_param_args_split_at_the_first_equals_sign():
    assert parse_param_args(["campaign_id=cmp-01", "from=2026-09-21 00:00:00", "x=a=b"]) == {
        "campaign_id": "cmp-01", "from": "2026-09-21 00:00:00", "x": "a=b"}
    assert parse_param_args(None) == {}
    with pytest.raises(QueryError, match="key=value"):
        parse_param_args(["campaign_id"])
    with pytest.raises(QueryError, match="twice"):
        parse_param_args(["a=1", "a=2"])


def test_bind_fills_defaults_normalises_times_and_names_what_is_missing():
    q = find("ctr_over_time")
    bound = bind(q, {"campaign_id": "cmp-01", "from": "2026-09-21", "to": "2026-09-21T12:30:00+02:00",
                     "ad_strength": "50"})
    assert bound["from"] == "2026-09-21 00:00:00" and bound["to"] == "2026-09-21 10:30:00"
    assert bound["ad_strength"] == "50" and bound["base_ctr_feed"] == "0.012"
    with pytest.raises(QueryError) as missing:
        bind(q, {"campaign_id": "cmp-01", "typo": "1"})
    message = str(missing.value)
    assert "--param from=<DateTime('UTC')>" in message and "--param to=" in message and "typo" in message
    assert "campaign_id=" not in message.split("unknown")[0]
    with pytest.raises(QueryError, match="not a time"):
        bind(q, {"campaign_id": "c", "from": "yesterday", "to": "2026-09-22"})


def test_unknown_query_name_lists_the_known_ones():
    with pytest.raises(QueryError, match="campaign_report"):
        find("campaign_reprot")


def test_header_must_declare_exactly_the_parameters_used(tmp_path):
    f = tmp_path / "q.sql"
    f.write_text("-- Something.\n--\n-- Parameters:\n--   {a:UInt8}  the a\n--\n-- Columns:\n--   x  it\n"
                 "select {a:UInt8} + {b:UInt8} as x\n")
    with pytest.raises(QueryError, match=r"declares \{a:UInt8\} but the query uses \{a:UInt8\}, \{b:UInt8\}"):
        parse(f)
    f.write_text("-- Something.\n-- Parameters:\n--   {a:UInt8} = 3  the a\n-- Columns:\n--   x  it\n"
                 "select {a:UInt8} as x;\n")
    q = parse(f)
    assert (q.name, q.sql, q.columns, q.params[0].default) == ("q", "select {a:UInt8} as x", ["x"], "3")
    assert bind(q, {}) == {"a": "3"}


def test_two_files_with_one_name_are_an_error(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "same.sql").write_text("-- Same.\nselect 1\n")
    with pytest.raises(QueryError, match="two query files are named same"):
        discover(tmp_path)


def test_queries_dir_is_in_the_repository():
    assert any((d / "pacing.sql").is_file() for d in query_dirs())
