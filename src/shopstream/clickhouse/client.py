"""clickhouse-connect clients built from settings, for writers and for analysts."""
from __future__ import annotations

from typing import Literal

import clickhouse_connect
from clickhouse_connect.driver.client import Client

from shopstream.settings import Settings

Role = Literal["writer", "analyst"]


def connect(settings: Settings, role: Role = "writer", database: str | None = None) -> Client:
    """A client for ``role``; ``database=''`` connects without selecting one (for CREATE DATABASE)."""
    c = settings.clickhouse
    user, password = (c.user, c.password) if role == "writer" else (c.analyst_user, c.analyst_password)
    scheme, rest = c.url.split("://", 1)
    return clickhouse_connect.get_client(
        host=c.host, port=c.port, username=user, password=password.reveal(),
        database=c.database if database is None else database,
        secure=scheme == "https", connect_timeout=5, send_receive_timeout=120,
        compress="lz4", autogenerate_session_id=False,
    )
