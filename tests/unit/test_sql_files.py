import re

import pytest

from shopstream.clickhouse.migrations import MIGRATIONS_DIR, discover
from shopstream.flink.sqlfiles import SqlRenderError, render
from shopstream.profiles.layout import clickhouse_columns


def test_migrations_are_ordered_and_render():
    migs = discover()
    assert [m.version for m in migs] == sorted(m.version for m in migs)
    for m in migs:
        stmts = m.statements({"database": "db"})
        assert stmts and all("${" not in s for s in stmts)


def test_user_profiles_migration_matches_profile_layout():
    text = (MIGRATIONS_DIR / "0003_user_profiles.sql").read_text()
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
