"""The chDB engine behind the endpoint: one in-process ClickHouse owning one data folder.

Statements run through chDB's raw connection (``Connection._conn``), as chDB's own durable module
does: it classifies statements without running them and returns results in any ClickHouse format as
bytes with their statistics. Inserts with data stream through ``Connection.send_insert``.

chDB has one session state (current database, changed settings) shared by every caller, so each
request runs under a lock that first brings that state to exactly what the request asked for
(its database, its URL settings, its HTTP session's SET/USE) and afterwards undoes whatever a
SET or USE statement changed. Nothing one request sets is seen by another.
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from chdb.state.sqlitelike import Connection

from . import statements
from .errors import (BAD_ARGUMENTS, CANNOT_SCHEDULE_TASK, READONLY, SYNTAX_ERROR, ClickHouseError,
                     from_engine_message)
from .protocol import QueryRequest
from .sessions import SessionRegistry, SessionState

_APPEND_CHUNK = 4 << 20
_READ_ONLY, _CONTROL = 0, 3  # chdb classify_query classes (MUTATING=1, MUTATING_GLOBAL=2)
LOCK_FILE = ".shopstream-clickhouse.lock"


@dataclass(frozen=True)
class Caller:
    """Who runs a statement. readonly 1 (a read-only user, or readonly=1 in the URL) is also enforced by
    the engine (the query runs with SETTINGS readonly=1); readonly 2 (implied by GET) checks the
    statement only, so per-query SETTINGS keep working."""

    user: str
    readonly: int = 0
    via_get: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a statement returned and did, for the response body and the X-ClickHouse-Summary header."""

    body: bytes
    output_format: str | None
    result_rows: int = 0
    read_rows: int = 0
    read_bytes: int = 0
    written_rows: int = 0
    written_bytes: int = 0
    elapsed_s: float = 0.0

    def summary(self) -> dict[str, str]:
        return {"read_rows": str(self.read_rows), "read_bytes": str(self.read_bytes),
                "written_rows": str(self.written_rows), "written_bytes": str(self.written_bytes),
                "total_rows_to_read": str(self.read_rows), "result_rows": str(self.result_rows),
                "result_bytes": str(len(self.body)), "elapsed_ns": str(int(self.elapsed_s * 1e9))}


class Engine:
    """A chDB session on ``data_dir`` (exclusively locked) that runs requests one at a time."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = _lock_folder(data_dir)
        try:
            self._conn: Connection | None = Connection(str(data_dir))
        except Exception:
            self._lock_file.close()
            raise
        self._lock = threading.Lock()
        self._sessions = SessionRegistry()
        self._applied: dict[str, str] = {}
        self._baseline = self._changed_settings()
        self.default_database = self._scalar("SELECT currentDatabase()")
        self._database = self.default_database
        self.version = self._scalar("SELECT version()")
        self.timezone = self._scalar("SELECT timezone()")
        self.http_compression_default = self._scalar("SELECT getSetting('enable_http_compression')") in ("1", "true")

    def execute(self, request: QueryRequest, caller: Caller) -> Outcome:
        """Run one request's statement with its database, settings and the caller's readonly level."""
        insert = statements.split_insert(request.text)
        sql = "" if insert is not None else _decode_sql(request.text)
        if insert is None and not sql.strip():
            raise ClickHouseError.make(SYNTAX_ERROR, "Empty query")
        with self._lock:
            conn = self._connection()
            session = self._session(request)
            if insert is not None:
                if caller.readonly:
                    raise statements.readonly_error(caller.user, caller.via_get)
                self._prepare(conn, request, session)
                outcome = self._insert(conn, insert)
            else:
                outcome = self._statement(conn, sql, request, session, caller)
            if request.close_session and request.session_id:
                self._sessions.close(request.session_id)
            return outcome

    def _statement(self, conn: Connection, sql: str, request: QueryRequest, session: SessionState | None,
                   caller: Caller) -> Outcome:
        info = conn._conn.classify_query(sql)
        reads, count = int(info["query_class"]) == _READ_ONLY, int(info["statement_count"])
        if count > 1:
            raise ClickHouseError.make(SYNTAX_ERROR, "Multi-statements are not allowed")
        if caller.readonly and count > 0:  # count 0: unparsable; the engine reports the syntax error
            statements.check_readonly(sql, reads, count, caller.user, caller.via_get)
        if statements.changes_session_lock(sql):
            raise ClickHouseError.make(BAD_ARGUMENTS, "SET readonly/profile is not supported on this server "
                                                      "(one shared engine session); pass readonly=1 as a URL "
                                                      "parameter instead")
        self._prepare(conn, request, session)
        run_sql = statements.with_query_settings(sql, "readonly=1") if caller.readonly == 1 else sql
        try:
            return self._query(conn, run_sql, request, reads, caller.user)
        finally:
            if statements.first_keyword(sql) in ("SET", "USE"):
                self._restore(conn, session)

    def close(self) -> None:
        """Close the chDB session (waiting for a running statement) and release the folder lock."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
                self._lock_file.close()

    def _connection(self) -> Connection:
        if self._conn is None:
            raise ClickHouseError.make(CANNOT_SCHEDULE_TASK, "Server is shutting down")
        return self._conn

    def _session(self, request: QueryRequest) -> SessionState | None:
        if not request.session_id:
            return None
        return self._sessions.acquire(request.session_id, request.session_timeout, request.session_check)

    def _prepare(self, conn: Connection, request: QueryRequest, session: SessionState | None) -> None:
        """Bring the shared session to this request's database and settings."""
        database = request.database or (session.database if session else None) or self.default_database
        if database != self._database:
            self._run(conn, f"USE {_quote_identifier(database)}")
            self._database = database
        wanted = {**(session.settings if session else {}), **request.settings}
        changes = [f"{name} = {self._baseline_or_default(name)}" for name in self._applied if name not in wanted]
        changes += [f"{name} = {_quote_value(value)}" for name, value in wanted.items()
                    if self._applied.get(name) != value]
        if changes:
            try:
                self._run(conn, "SET " + ", ".join(changes))
            except ClickHouseError:
                self._reset_settings(conn)
                raise
            self._applied = wanted

    def _query(self, conn: Connection, sql: str, request: QueryRequest, reads: bool, user: str) -> Outcome:
        fmt = statements.output_format(sql, request.default_format) if reads else None
        try:
            result = conn._conn.query(sql, request.default_format, params=request.query_params)
        except RuntimeError as exc:
            raise _engine_error(exc, user) from None
        return Outcome(body=result.bytes(), output_format=fmt, result_rows=result.rows_read(),
                       read_rows=result.storage_rows_read(), read_bytes=result.storage_bytes_read(),
                       written_rows=result.rows_written(), written_bytes=result.bytes_written(),
                       elapsed_s=result.elapsed())

    def _insert(self, conn: Connection, insert: statements.InsertWithData) -> Outcome:
        started = time.perf_counter()
        try:
            inserter = conn.send_insert(insert.head, insert.fmt)
        except RuntimeError as exc:
            raise _engine_error(exc, "") from None
        with inserter:
            view = memoryview(insert.data)
            try:
                for offset in range(0, len(view), _APPEND_CHUNK):
                    inserter.append(view[offset:offset + _APPEND_CHUNK])
                result = inserter.finish()
            except RuntimeError as exc:
                raise _engine_error(exc, "") from None
        return Outcome(body=b"", output_format=None, written_rows=result.rows_written,
                       written_bytes=result.bytes_written, elapsed_s=time.perf_counter() - started)

    def _restore(self, conn: Connection, session: SessionState | None) -> None:
        """After SET/USE: keep what changed for the HTTP session (if any), then undo it on the engine."""
        changed = self._changed_settings()
        by_statement = {name: value for name, value in changed.items()
                        if self._baseline.get(name) != value and name not in self._applied}
        database = self._scalar("SELECT currentDatabase()")
        if session is not None:
            self._sessions.remember(session, by_statement,
                                    database if database != self._database else None)
        self._database = database
        self._reset_settings(conn)

    def _reset_settings(self, conn: Connection) -> None:
        """Return every setting to its value when the engine started."""
        changed = self._changed_settings()
        resets = [f"{name} = {self._baseline_or_default(name)}" for name, value in changed.items()
                  if self._baseline.get(name) != value]
        if resets:
            self._run(conn, "SET " + ", ".join(resets))
        self._applied = {}

    def _baseline_or_default(self, name: str) -> str:
        return _quote_value(self._baseline[name]) if name in self._baseline else "DEFAULT"

    def _changed_settings(self) -> dict[str, str]:
        rows = self._scalar("SELECT name, value FROM system.settings WHERE changed AND name != 'database' "
                            "FORMAT TabSeparatedRaw", whole=True)
        return dict(line.split("\t", 1) for line in rows.splitlines() if "\t" in line)

    def _scalar(self, sql: str, whole: bool = False) -> str:
        out = self._run(self._connection(), sql).decode()
        return out if whole else out.strip()

    @staticmethod
    def _run(conn: Connection, sql: str) -> bytes:
        try:
            return bytes(conn._conn.query(sql, "TabSeparated", params={}).bytes())
        except RuntimeError as exc:
            raise _engine_error(exc, "") from None


def _lock_folder(data_dir: Path) -> IO[Any]:
    """Hold an exclusive lock on the data folder, so a second server fails at once with a clear error."""
    handle = open(data_dir / LOCK_FILE, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "unknown"
        handle.close()
        raise RuntimeError(f"data folder {data_dir} is already open in another process (pid {owner}); "
                           "stop that server first or pass another --data-dir") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _engine_error(exc: Exception, user: str) -> ClickHouseError:
    error = from_engine_message(str(exc))
    if user and error.code == READONLY:
        return ClickHouseError(error.code, error.text.replace("DB::Exception: default: ", f"DB::Exception: {user}: "))
    return error


def _decode_sql(text: bytes) -> str:
    try:
        return text.decode()
    except UnicodeDecodeError as exc:
        raise ClickHouseError.make(SYNTAX_ERROR, f"Query is not valid UTF-8 (byte {exc.start})") from None


def _quote_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _quote_identifier(name: str) -> str:
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"
