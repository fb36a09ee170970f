import re

import pytest

from shopstream.clickhouse.migrations import MIGRATIONS_DIR, discover
from shopstream.flink.sqlfiles import SqlRenderError, render
from shopstream.products.user_profiles.layout import clickhouse_columns


def test_migrations_are_ordered_and_render():
    migs = discover()
    assert [m.version for m in migs] == sorted(m.version for m in migs)
    for m in migs:
        stmts = m.statements({"database": "db"})
        assert stmts and all("${" not in s for s in stmts)


def test_user_profiles_migration_matches_profile_layout():
    text = next(m.path for m in discover() if m.name == "user_profiles").read_text()
    body = text[text.index("(") + 1:text.rindex(")")]
    cols = re.findall(r"^\s+(\w+)\s+(.+?),?$", body, re.MULTILINE)
    assert [(n, t.rstrip(",")) for n, t in cols] == clickhouse_columns()


def test_missing_placeholder_is_named(tmp_path):
    f = tmp_path / "010_x.sql"
    f.write_text("select * from ${table_name}")
    with pytest.raises(SqlRenderError, match="table_name"):
        render(f, {})


def test_comments_and_semicolon_are_stripped(tmp_path):
    f = tmp_path / "010_x.sql"
    f.write_text("-- a comment\nselect 1;\n")
    assert render(f, {}) == "select 1"


def test_a_file_renders_once_per_variant_in_file_order(tmp_path):
    from shopstream.flink.sqlfiles import render_dir
    (tmp_path / "010_view.sql").write_text("create view v_${w} as select ${n}")
    (tmp_path / "020_other.sql").write_text("select ${n}")
    got = render_dir(tmp_path, {"n": "1"}, {"010_view": [{"w": "a"}, {"w": "b", "n": "2"}]})
    assert got == [("010_view.sql", "create view v_a as select 1"), ("010_view.sql", "create view v_b as select 2"),
                   ("020_other.sql", "select 1")]


def test_variants_for_a_missing_file_are_an_error(tmp_path):
    from shopstream.flink.sqlfiles import render_dir
    (tmp_path / "010_view.sql").write_text("select 1")
    with pytest.raises(SqlRenderError, match="010_veiw"):
        render_dir(tmp_path, {}, {"010_veiw": [{}]})


def test_user_profiles_job_renders_every_statement():
    from shopstream.flink.runner import load_job
    from shopstream.flink.environment import RunOptions
    from shopstream.settings import load_settings
    settings, options = load_settings(env={}), RunOptions(job="user_profiles")
    statements = [s for _, s in load_job("user_profiles").render(settings, options)]
    for name in ("src_clickstream", "src_orders", "stg_clickstream", "stg_orders", "profile_windows",
                 "user_window_measures"):
        assert sum(f" {name} " in s or f" {name}\n" in s for s in statements) >= 1, name
    assert not any("${" in s for s in statements)
