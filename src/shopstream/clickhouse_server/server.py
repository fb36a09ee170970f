"""The HTTP side: a threading HTTP/1.1 server speaking ClickHouse's HTTP interface over an Engine."""
from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from . import compression, statements
from .engine import Caller, Engine, Outcome
from .errors import STD_EXCEPTION, ClickHouseError
from .protocol import QueryRequest, query_request
from .users import UserSpec, authenticate, credentials_from_request

log = logging.getLogger("shopstream.clickhouse_server")

_CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8", "TSV": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent", "CSVWithNames": "text/csv; charset=UTF-8; header=present",
    "Native": "application/octet-stream", "RowBinary": "application/octet-stream",
    "Arrow": "application/octet-stream", "ArrowStream": "application/octet-stream",
    "Parquet": "application/octet-stream",
}
_MAX_CHUNK_LINE = 1024


class ClickHouseHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer holding the engine and the users; ``close()`` also closes the engine."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: Engine, users: Mapping[str, UserSpec]) -> None:
        self.engine = engine
        self.users = dict(users)
        self.display_name = socket.gethostname()
        super().__init__(address, ClickHouseRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server_close()
        self.engine.close()


def build_server(data_dir: Path, host: str, port: int, users: Mapping[str, UserSpec]) -> ClickHouseHTTPServer:
    """Open the engine on ``data_dir`` and bind the endpoint (port 0: any free port, see ``.url``)."""
    if not users:
        raise ValueError("the ClickHouse endpoint needs at least one user")
    engine = Engine(data_dir)
    try:
        return ClickHouseHTTPServer((host, port), engine, users)
    except OSError:
        engine.close()
        raise


class ClickHouseRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; no 40 ms delayed-ACK stall
    server_version = "shopstream-chdb"
    sys_version = ""
    server: ClickHouseHTTPServer

    def do_GET(self) -> None:
        self._dispatch(via_get=True)

    def do_POST(self) -> None:
        self._dispatch(via_get=False)

    def do_HEAD(self) -> None:
        self._send(200, b"", {"Content-Type": "text/html; charset=UTF-8"}, head_only=True)

    def log_message(self, format: str, *args: object) -> None:
        """Silence http.server's own access log; each query is logged once by ``_dispatch``."""

    def _dispatch(self, via_get: bool) -> None:
        started = time.perf_counter()
        url = urlsplit(self.path)
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if url.path in ("/ping", "/replicas_status") or (via_get and url.path == "/" and not url.query):
            self._send(200, b"Ok.\n", {"Content-Type": "text/html; charset=UTF-8"})
            return
        if url.path != "/":
            message = f"There is no handle {url.path}\n\nUse / or /ping for health checks.\n"
            self._send(404, message.encode(), {"Content-Type": "text/plain; charset=UTF-8"})
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        user = "?"
        request: QueryRequest | None = None
        try:
            credentials = credentials_from_request(headers, params)
            user = credentials.user
            spec = authenticate(self.server.users, credentials)
            body = compression.decode_body(headers.get("content-encoding", ""), body)
            request = query_request(params, headers, body)
            readonly = 1 if spec.readonly or request.readonly == 1 else 2 if via_get or request.readonly else 0
            outcome = self.server.engine.execute(request, Caller(spec.name, readonly, via_get and readonly == 2))
        except ClickHouseError as error:
            self._send_error(error, request)
            self._log(via_get, user, request, error.code, None, started)
            return
        except Exception as exc:  # an unexpected server fault still answers like ClickHouse does
            log.exception("request failed unexpectedly")
            self._send_error(ClickHouseError.make(STD_EXCEPTION, f"{exc.__class__.__name__}: {exc}"), request)
            self._log(via_get, user, request, STD_EXCEPTION, None, started)
            return
        self._send_outcome(outcome, request, headers)
        self._log(via_get, user, request, 0, outcome, started)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if len(data) != length:
            raise ValueError("request body shorter than Content-Length")
        return data

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size_line = self.rfile.readline(_MAX_CHUNK_LINE)
            size = int(size_line.split(b";", 1)[0].strip() or b"x", 16)
            if size == 0:
                while self.rfile.readline(_MAX_CHUNK_LINE) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.readline(_MAX_CHUNK_LINE) not in (b"\r\n", b"\n"):
                raise ValueError("truncated chunked request body")
            parts.append(chunk)

    def _common_headers(self, request: QueryRequest | None) -> dict[str, str]:
        headers = {"X-ClickHouse-Server-Display-Name": self.server.display_name,
                   "X-ClickHouse-Timezone": self.server.engine.timezone}
        if request is not None:
            headers["X-ClickHouse-Query-Id"] = request.query_id
        return headers

    def _send_outcome(self, outcome: Outcome, request: QueryRequest, headers: Mapping[str, str]) -> None:
        response_headers = self._common_headers(request)
        response_headers["X-ClickHouse-Summary"] = json.dumps(outcome.summary(), separators=(",", ":"))
        response_headers["Content-Type"] = "text/plain; charset=UTF-8"
        if outcome.output_format is not None:
            response_headers["X-ClickHouse-Format"] = outcome.output_format
            response_headers["Content-Type"] = _content_type(outcome.output_format)
        body = outcome.body
        enabled = request.http_compression
        if enabled is None:
            enabled = self.server.engine.http_compression_default
        encoding = compression.choose_response_encoding(headers.get("accept-encoding", "")) if enabled else None
        if encoding is not None and body:
            body = compression.encode_body(encoding, body, request.http_compression_level)
            response_headers["Content-Encoding"] = encoding
        self._send(200, body, response_headers)

    def _send_error(self, error: ClickHouseError, request: QueryRequest | None) -> None:
        headers = self._common_headers(request)
        headers["X-ClickHouse-Exception-Code"] = str(error.code)
        headers["Content-Type"] = "text/plain; charset=UTF-8"
        self._send(error.http_status(), error.body(self.server.engine.version), headers)

    def _send(self, status: int, body: bytes, headers: Mapping[str, str], head_only: bool = False) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Keep-Alive", "timeout=10")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def _log(self, via_get: bool, user: str, request: QueryRequest | None, code: int, outcome: Outcome | None,
             started: float) -> None:
        text = request.text[:4096].decode(errors="replace") if request is not None else ""
        insert = statements.split_insert(request.text) if request is not None else None
        what = (f"{insert.head} FORMAT {insert.fmt} <{len(insert.data)} bytes>" if insert is not None
                else statements.log_summary(text))
        rows = 0 if outcome is None else (outcome.written_rows or outcome.result_rows)
        log.info("%s user=%s rows=%d ms=%.1f code=%d %s", "GET" if via_get else "POST", user, rows,
                 (time.perf_counter() - started) * 1000, code, what)


def _content_type(fmt: str) -> str:
    if fmt.startswith("JSON"):
        return "application/json; charset=UTF-8"
    return _CONTENT_TYPES.get(fmt, "text/plain; charset=UTF-8")
