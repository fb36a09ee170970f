"""Command line and process lifecycle of the endpoint: flags with settings defaults, signals, logging."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from shopstream.settings import ClickHouseSettings, Settings, load_settings

from .server import ClickHouseHTTPServer, build_server
from .users import UserSpec, load_users_file


def users_from_settings(clickhouse: ClickHouseSettings) -> dict[str, UserSpec]:
    """The writer (all rights) and the read-only analyst configured in settings."""
    return {
        clickhouse.user: UserSpec(clickhouse.user, clickhouse.password.reveal()),
        clickhouse.analyst_user: UserSpec(clickhouse.analyst_user, clickhouse.analyst_password.reveal(),
                                          readonly=True),
    }


def parse_args(argv: Sequence[str] | None, settings: Settings) -> argparse.Namespace:
    """Flags; every default comes from settings, so SHOPSTREAM_CLICKHOUSE__* variables override them."""
    ch = settings.clickhouse
    parser = argparse.ArgumentParser(
        prog="python -m shopstream.clickhouse_server",
        description="ClickHouse HTTP endpoint over an in-process chDB engine owning one data folder.")
    parser.add_argument("--data-dir", type=Path, default=settings.path(ch.data_dir),
                        help="chDB data folder, opened by this process only (default: %(default)s; "
                             "env SHOPSTREAM_CLICKHOUSE__DATA_DIR)")
    parser.add_argument("--host", default=ch.host, help="address to bind (default: %(default)s; "
                                                        "env SHOPSTREAM_CLICKHOUSE__URL)")
    parser.add_argument("--port", type=int, default=ch.port, help="port to bind, 0 for any free port "
                                                                  "(default: %(default)s; env SHOPSTREAM_CLICKHOUSE__URL)")
    parser.add_argument("--users-file", type=Path, default=None,
                        help="JSON users file {name: {password, readonly}} replacing the writer and analyst "
                             "from settings (env SHOPSTREAM_CLICKHOUSE__USER/PASSWORD/ANALYST_*)")
    return parser.parse_args(argv)


def serve(server: ClickHouseHTTPServer) -> None:
    """Serve until SIGTERM or SIGINT, then close the engine so the data folder is left consistent."""
    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    print(f"listening on {server.url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()
        logging.getLogger("shopstream.clickhouse_server").info("stopped; engine closed")


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings()
    args = parse_args(argv, settings)
    try:
        users = load_users_file(args.users_file) if args.users_file else users_from_settings(settings.clickhouse)
        server = build_server(args.data_dir, args.host, args.port, users)
    except (ValueError, RuntimeError, OSError) as exc:
        print(f"clickhouse endpoint: cannot start: {exc}", file=sys.stderr)
        return 2
    serve(server)
    return 0
