"""Analyst queries kept as files: ``products/<product>/queries/NAME.sql``, run by ``shopstream query NAME``.

Each product keeps its queries in its ``queries/`` folder (``shopstream.registry``); query names are
unique across products. A query file starts with a comment block: its first line says what the query answers; a
``Parameters:`` section lists one ClickHouse query parameter a line, ``{name:Type}``, optionally
``= default`` (one word), then what it means. The rest of the file is one SELECT that uses exactly
those parameters. Queries run as the read-only analyst user, with server-side parameter binding;
``shopstream query`` fills business parameters the user did not give from settings (``settings_params``:
each product's ``query_params``).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clickhouse_connect.driver.client import Client

from shopstream.settings import Settings
_DECLARED = re.compile(r"^--\s+\{(\w+):([^{}]+)\}(?:\s*=\s*(\S+))?\s+(\S.*)$")
_USED = re.compile(r"\{(\w+):([^{}]+)\}")


class QueryError(ValueError):
    """A query name, parameter or query file that cannot be used as given."""


@dataclass(frozen=True)
class QueryParam:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class QueryFile:
    name: str
    path: Path
    header: tuple[str, ...]   # the leading comment block, without the "--"
    params: tuple[QueryParam, ...]
    sql: str                  # the statement, comment lines and the final ';' removed

    @property
    def summary(self) -> str:
        return self.header[0] if self.header else ""

    @property
    def columns(self) -> list[str]:
        """Output column names as documented in the header's ``Columns:`` section."""
        out, inside = [], False
        for line in self.header:
            if line in ("Columns:", "Parameters:"):
                inside = line == "Columns:"
            elif inside and line:
                out.append(line.split()[0])
        return out


def parse(path: Path) -> QueryFile:
    """Read a query file; the header's parameters must be the ones the statement uses, with the same types."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header_lines = []
    for line in lines:
        if not line.startswith("--"):
            break
        header_lines.append(line)
    params = []
    for line in header_lines:
        m = _DECLARED.match(line)
        if m:
            params.append(QueryParam(m.group(1), m.group(2).strip(), m.group(3), m.group(4).strip()))
    sql = "\n".join(ln for ln in lines if not ln.lstrip().startswith("--")).strip().rstrip(";").rstrip()
    header = tuple(ln[2:].strip() for ln in header_lines)
    if not header or not header[0]:
        raise QueryError(f"{path}: a query file starts with a comment line saying what it answers")
    declared = {p.name: p.type for p in params}
    used: dict[str, str] = {}
    for name, type_ in _USED.findall(sql):
        if used.setdefault(name, type_.strip()) != type_.strip():
            raise QueryError(f"{path}: parameter {name} is used as {used[name]} and as {type_.strip()}")
    if declared != used:
        raise QueryError(f"{path}: the Parameters section declares {_describe(declared)} but the query uses "
                         f"{_describe(used)}")
    return QueryFile(path.stem, path, header, tuple(params), sql)


def _describe(params: Mapping[str, str]) -> str:
    return ", ".join(f"{{{n}:{t}}}" for n, t in sorted(params.items())) or "none"


def query_dirs() -> list[Path]:
    from shopstream.registry import products
    return [p.queries_dir for p in products() if p.queries_dir.is_dir()]


def discover(directory: Path | None = None) -> dict[str, QueryFile]:
    """Every query file under ``directory`` (default: every product's queries) by name (the file name
    without .sql), sorted by name."""
    found: dict[str, QueryFile] = {}
    paths = sorted(directory.rglob("*.sql")) if directory else [f for d in query_dirs() for f in sorted(d.rglob("*.sql"))]
    for path in paths:
        if path.stem in found:
            raise QueryError(f"two query files are named {path.stem}: {found[path.stem].path} and {path}")
        found[path.stem] = parse(path)
    return dict(sorted(found.items()))


def find(name: str, directory: Path | None = None) -> QueryFile:
    queries = discover(directory)
    if name not in queries:
        raise QueryError(f"no query named {name!r}; known: {', '.join(queries) or 'none'} "
                         "(shopstream query --list describes them)")
    return queries[name]


def parse_param_args(args: Iterable[str] | None) -> dict[str, str]:
    """``["key=value", ...]`` from ``--param`` flags as a dict; the value may contain '=' and spaces."""
    params: dict[str, str] = {}
    for arg in args or ():
        key, sep, value = arg.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"\w+", key):
            raise QueryError(f"--param {arg!r}: write it as key=value, e.g. --param campaign_id=cmp-01")
        if key in params:
            raise QueryError(f"--param {key} is given twice")
        params[key] = value
    return params


def settings_params(settings: Settings) -> dict[str, str]:
    """Business parameters that query files may take, from settings (each product's ``query_params``,
    e.g. the ad priors and pacing tolerance). They replace a file's defaults."""
    from shopstream.registry import query_fallbacks
    return query_fallbacks(settings)


def bind(query: QueryFile, given: Mapping[str, str], fallbacks: Mapping[str, str] | None = None) -> dict[str, str]:
    """The parameter values to send: the given ones, then ``fallbacks`` (e.g. ``settings_params``) for
    the parameters the query takes, then the file's defaults. Names every missing and unknown
    parameter in one error."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(known))
    given = {**{k: v for k, v in (fallbacks or {}).items() if k in known}, **given}
    missing = [p for p in query.params if p.name not in given and p.default is None]
    problems = []
    if missing:
        problems.append("missing " + "; ".join(f"--param {p.name}=<{p.type}> ({p.description})" for p in missing))
    if unknown:
        problems.append(f"unknown parameter(s) {', '.join(unknown)} (it takes: {', '.join(known) or 'none'})")
    if problems:
        raise QueryError(f"query {query.name}: " + "; ".join(problems))
    return {name: normalize_value(p, given[name]) if name in given else p.default  # type: ignore[misc]
            for name, p in known.items()}


def normalize_value(param: QueryParam, value: str) -> str:
    """A DateTime value as ClickHouse reads it (UTC ``YYYY-MM-DD HH:MM:SS``), from any ISO-8601 form:
    a date alone, ``T`` or space, ``Z`` or an offset (converted to UTC). Other types pass unchanged."""
    if not param.type.startswith("DateTime"):
        return value
    return utc_time_text(value, f"--param {param.name}")


def utc_time_text(value: str, what: str) -> str:
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(f"{what}={value!r} is not a time: write YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS' (UTC), "
                         "or ISO 8601 with an offset") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%d %H:%M:%S")


def run_raw(client: Client, query: QueryFile, given: Mapping[str, str], fmt: str = "PrettyCompact",
            fallbacks: Mapping[str, str] | None = None) -> bytes:
    """The result in a ClickHouse output format, as ``shopstream query`` prints it."""
    return client.raw_query(query.sql, parameters=bind(query, given, fallbacks), fmt=fmt)


def run_rows(client: Client, query: QueryFile, given: Mapping[str, str],
             fallbacks: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The result as one dict per row (column name -> value)."""
    result = client.query(query.sql, parameters=bind(query, given, fallbacks))
    names: Sequence[str] = result.column_names
    return [dict(zip(names, row)) for row in result.result_rows]
