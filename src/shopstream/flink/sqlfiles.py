"""Run a folder of layered SQL files: DDL and views execute in order, INSERTs join one StatementSet.

Files are ``NNN_name.sql``, one object each, with ``${param}`` placeholders rendered from settings.
A file that defines one object per topic or per window is written once and rendered once per
*variant* (extra parameters the job lists under the file's stem). Reading each source once and writing
every sink from one StatementSet lets Flink share the sources.
"""
from __future__ import annotations

import re
from pathlib import Path
from string import Template

class SqlTemplate(Template):
    """Only ``${name}`` is a placeholder, so JSON paths such as '$.ts' stay as written."""

    pattern = r"\$\{(?P<braced>[_a-z][_a-z0-9]*)\}(?P<escaped>(?!))?(?P<named>(?!))?(?P<invalid>(?!))?"


_INSERT = re.compile(r"^\s*insert\s+into\s", re.IGNORECASE)


class SqlRenderError(ValueError):
    pass


def render(path: Path, params: dict[str, str]) -> str:
    text = path.read_text()
    try:
        rendered = SqlTemplate(text).substitute(params)
    except KeyError as exc:
        raise SqlRenderError(f"{path}: no value for placeholder ${{{exc.args[0]}}}") from exc
    lines = [ln for ln in rendered.splitlines() if not ln.lstrip().startswith("--")]
    return "\n".join(lines).strip().rstrip(";").strip()


def sql_files(directory: Path) -> list[Path]:
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise SqlRenderError(f"no SQL files in {directory}")
    return files


Variants = dict[str, list[dict[str, str]]]


def render_dir(directory: Path, params: dict[str, str], variants: Variants | None = None) -> list[tuple[str, str]]:
    """``(file name, statement)`` in file order, a file listed in ``variants`` once per variant."""
    variants = variants or {}
    files = sql_files(directory)
    unknown = set(variants) - {p.stem for p in files}
    if unknown:
        raise SqlRenderError(f"variants name no SQL file in {directory}: {', '.join(sorted(unknown))}")
    return [(path.name, render(path, {**params, **extra}))
            for path in files for extra in variants.get(path.stem, [{}])]


def apply_sql_dir(t_env, directory: Path, params: dict[str, str], variants: Variants | None = None):
    """Execute DDL/views of ``directory``; returns a StatementSet holding its INSERTs."""
    return run_statements(t_env, render_dir(directory, params, variants))


def run_statements(t_env, statements: list[tuple[str, str]]):
    """Execute DDL/views in order; returns a StatementSet holding the INSERTs."""
    statement_set = t_env.create_statement_set()
    for name, stmt in statements:
        if not stmt:
            continue
        if _INSERT.match(stmt):
            statement_set.add_insert_sql(stmt)
        else:
            try:
                t_env.execute_sql(stmt)
            except Exception as exc:
                raise SqlRenderError(f"{name}: {_flink_message(exc)}") from exc
    return statement_set


def _flink_message(exc: Exception) -> str:
    """The planner's own words from a Py4J error: the first line naming a validation or parse problem."""
    lines = str(exc).splitlines()
    for marker in ("CalciteContextException", "ValidationException", "SqlParserException", "TableException",
                   "Exception:"):
        for line in lines:
            if marker in line and not line.lstrip().startswith("at "):
                return line.strip().lstrip(": ")
    return lines[0] if lines else repr(exc)
