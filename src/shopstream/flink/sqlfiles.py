"""Run a folder of layered SQL files: DDL and views execute in order, INSERTs join one StatementSet.

Files are ``NNN_name.sql``, one object each, with ``${param}`` placeholders rendered from settings.
Reading each source once and writing every sink from one StatementSet lets Flink share the sources.
"""
from __future__ import annotations

import re
from pathlib import Path
from string import Template

_INSERT = re.compile(r"^\s*insert\s+into\s", re.IGNORECASE)


class SqlRenderError(ValueError):
    pass


def render(path: Path, params: dict[str, str]) -> str:
    text = path.read_text()
    try:
        rendered = Template(text).substitute(params)
    except KeyError as exc:
        raise SqlRenderError(f"{path}: no value for placeholder ${{{exc.args[0]}}}") from exc
    lines = [ln for ln in rendered.splitlines() if not ln.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";").strip()


def sql_files(directory: Path) -> list[Path]:
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise SqlRenderError(f"no SQL files in {directory}")
    return files


def apply_sql_dir(t_env, directory: Path, params: dict[str, str], inserts: bool = True):
    """Execute DDL/views of ``directory``; returns a StatementSet holding its INSERTs (or None)."""
    statement_set = t_env.create_statement_set() if inserts else None
    for path in sql_files(directory):
        stmt = render(path, params)
        if not stmt:
            continue
        if _INSERT.match(stmt):
            if statement_set is not None:
                statement_set.add_insert_sql(stmt)
        else:
            try:
                t_env.execute_sql(stmt)
            except Exception as exc:
                raise SqlRenderError(f"{path.name}: {_flink_message(exc)}") from exc
    return statement_set


def _flink_message(exc: Exception) -> str:
    text = str(exc)
    for line in text.splitlines():
        if "Exception:" in line and ("ValidationException" in line or "SqlParserException" in line
                                     or "TableException" in line):
            return line.strip()
    return text.splitlines()[0] if text else repr(exc)
