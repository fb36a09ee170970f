"""Reading the SQL text of a request: INSERT-with-data split, output format, readonly rules, log summary.

Only the few shapes the HTTP interface must see before the engine does are recognised here; the
engine parses everything else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import READONLY, ClickHouseError

_IDENT = rb'(?:`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_$]*)'
_QUOTED = rb"'(?:[^'\\]|\\.)*'"
_TABLE = (rb"(?:TABLE\s+)?(?:FUNCTION\s+[A-Za-z_]\w*\s*\((?:[^()']|" + _QUOTED + rb")*\)|"
          + _IDENT + rb"(?:\s*\.\s*" + _IDENT + rb")?)")
_COLUMNS = rb"(?:\s*\((?:[^()`'\"]|`[^`]*`|\"[^\"]*\")*\))?"
_SETTINGS = rb"(?:\s+SETTINGS\s+(?:[^'()]|" + _QUOTED + rb")*?)?"
_INSERT_WITH_FORMAT = re.compile(
    rb"\A\s*(?P<head>INSERT\s+INTO\s+" + _TABLE + _COLUMNS + _SETTINGS + rb")\s+FORMAT\s+(?P<fmt>[A-Za-z0-9_]+)",
    re.IGNORECASE | re.DOTALL)
_HEAD_SCAN_BYTES = 64 * 1024

_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*(?:SETTINGS\b[^;]*)?;?\s*$", re.IGNORECASE)
_FIRST_WORD = re.compile(r"\A(?:\s+|--[^\n]*\n|/\*.*?\*/|\()*([A-Za-z]+)", re.DOTALL)
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'")
_SET_LOCKING = re.compile(r"\b(readonly|profile)\b", re.IGNORECASE)

READ_STATEMENTS = frozenset({"SELECT", "SHOW", "DESCRIBE", "DESC", "EXISTS", "WITH", "EXPLAIN"})
GET_READONLY_HINT = ("For queries over HTTP, method GET implies readonly. You should use method POST for "
                     "modifying queries")


@dataclass(frozen=True)
class InsertWithData:
    """``INSERT INTO ... FORMAT fmt`` followed by data in that format."""

    head: str
    fmt: str
    data: bytes


def split_insert(text: bytes) -> InsertWithData | None:
    """Split ``INSERT INTO t [(cols)] [SETTINGS ..] FORMAT f<data>`` the way ClickHouse's parser does.

    The data starts after the format name, skipping spaces and tabs and then at most one line break,
    so binary data whose first byte is a newline survives. Other statements give None.
    """
    match = _INSERT_WITH_FORMAT.match(text[:_HEAD_SCAN_BYTES])
    if match is None:
        return None
    start = match.end()
    while start < len(text) and text[start] in b" \t\f":
        start += 1
    if text[start:start + 1] == b"\r":
        start += 1
    if text[start:start + 1] == b"\n":
        start += 1
    return InsertWithData(match.group("head").decode(), match.group("fmt").decode(), text[start:])


def output_format(sql: str, default: str) -> str:
    """The format a statement's result is written in: its trailing FORMAT clause or the default."""
    match = _TRAILING_FORMAT.search(_STRING_LITERAL.sub("''", sql))
    return match.group(1) if match else default


def first_keyword(sql: str) -> str:
    match = _FIRST_WORD.match(sql)
    return match.group(1).upper() if match else ""


def check_readonly(sql: str, is_read_only: bool, statement_count: int, user: str, via_get: bool) -> None:
    """Refuse, with ClickHouse's READONLY error, anything but one reading statement."""
    if is_read_only and statement_count <= 1 and first_keyword(sql) in READ_STATEMENTS:
        return
    raise readonly_error(user, via_get)


def readonly_error(user: str, via_get: bool) -> ClickHouseError:
    reason = GET_READONLY_HINT if via_get else "Cannot execute query in readonly mode"
    if via_get:
        reason = "Cannot execute query in readonly mode. " + reason
    return ClickHouseError.make(READONLY, f"{user}: {reason}")


def changes_session_lock(sql: str) -> bool:
    """Whether a SET statement would change readonly/profile, which could not be undone on a shared engine."""
    return first_keyword(sql) == "SET" and _SET_LOCKING.search(_STRING_LITERAL.sub("''", sql)) is not None


def with_query_settings(sql: str, settings: str) -> str:
    """Append a SETTINGS clause after the statement (after any trailing comment or semicolon)."""
    return sql.rstrip().rstrip(";").rstrip() + "\nSETTINGS " + settings


def log_summary(sql: str, limit: int = 120) -> str:
    """A one-line form of a statement for logs: string literals masked, so secrets in them never show."""
    masked = " ".join(_STRING_LITERAL.sub("'…'", sql).split())
    return masked if len(masked) <= limit else masked[:limit - 1] + "…"
