"""Redis clients from settings: the writer (default user) and the read-only serving user."""
from __future__ import annotations

from typing import Literal

import redis

from shopstream.settings import Settings


class ServingError(RuntimeError):
    pass


def connect(settings: Settings, role: Literal["writer", "serving"] = "writer") -> redis.Redis:
    """A connected client; pings at once so a wrong address or password fails here, clearly."""
    r = settings.redis
    kwargs = dict(host=r.host, port=r.port, db=r.db, decode_responses=True, socket_connect_timeout=3)
    if role == "writer":
        client = redis.Redis(password=r.password.reveal(), **kwargs)
    else:
        client = redis.Redis(username=r.serving_user, password=r.serving_password.reveal(), **kwargs)
    try:
        client.ping()
    except redis.AuthenticationError as exc:
        raise ServingError(f"Redis at {r.host}:{r.port} refused the {role} credentials: {exc}") from exc
    except redis.ConnectionError as exc:
        raise ServingError(f"cannot reach Redis at {r.host}:{r.port}: {exc}. Is the stack up? "
                           "Try `shopstream up`.") from exc
    return client
