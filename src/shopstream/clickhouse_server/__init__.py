"""A ClickHouse HTTP endpoint over chDB: one process owns the data folder and serves clickhouse-connect and curl.

``build_server(data_dir, host, port, users)`` opens the engine and binds; ``serve(server)`` runs it until
SIGTERM; ``main(argv)`` is the command line (defaults from ``shopstream.settings``).
"""
from .cli import main, serve, users_from_settings
from .server import ClickHouseHTTPServer, build_server
from .users import UserSpec

__all__ = ["ClickHouseHTTPServer", "UserSpec", "build_server", "main", "serve", "users_from_settings"]
