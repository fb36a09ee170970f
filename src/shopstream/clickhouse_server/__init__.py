"""A ClickHouse HTTP endpoint over chDB: one process owns the data folder and serves clickhouse-connect and curl.

``build_server(data_dir, host, port, users)`` opens the engine and binds; ``serve(server)`` runs it until
SIGTERM or SIGINT and then closes the engine; ``main(argv)`` is ``python -m shopstream.clickhouse_server``
(defaults from ``shopstream.settings``: the writer and the read-only analyst, port and data folder).

Supported: GET/POST queries (URL ``query`` + body, or body alone, or a multipart form), any output
format the engine has, ``default_format``, ``param_*`` query parameters, ``database`` / X-ClickHouse-Database,
URL settings applied to their request only, ``session_id`` sessions that keep SET and USE, inserts with data
in any input format (streamed into chDB), gzip/deflate/zstd/lz4 request and response bodies, Basic auth,
``user``/``password`` parameters and X-ClickHouse-User/Key headers, readonly users and GET-implies-readonly,
ClickHouse error texts, codes and HTTP statuses. Not supported: ``compress=1``/``decompress=1`` block
compression, external data tables, progress headers, session-scoped temporary tables, Brotli.
"""
from .cli import main, serve, users_from_settings
from .server import ClickHouseHTTPServer, build_server
from .users import UserSpec

__all__ = ["ClickHouseHTTPServer", "UserSpec", "build_server", "main", "serve", "users_from_settings"]
