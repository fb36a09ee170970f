"""HTTP sessions (``session_id``): the settings and database a client set with SET/USE, kept per session.

The engine has one chDB session for everyone, so a named session is emulated: what its SET and USE
statements changed is remembered here and re-applied to that session's later requests only.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .errors import INVALID_SESSION_TIMEOUT, SESSION_NOT_FOUND, ClickHouseError

DEFAULT_TIMEOUT_S = 60
MAX_TIMEOUT_S = 3600


@dataclass
class SessionState:
    settings: dict[str, str] = field(default_factory=dict)
    database: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    expires_at: float = 0.0


class SessionRegistry:
    """Named sessions with ClickHouse's expiry rules; callers serialise access (the engine lock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sessions: dict[str, SessionState] = {}

    def acquire(self, session_id: str, timeout: str | None, check: bool) -> SessionState:
        """The session's state, created unless ``check`` (session_check=1) demands an existing one."""
        now = self._clock()
        self._sessions = {sid: s for sid, s in self._sessions.items() if s.expires_at > now}
        timeout_s = parse_timeout(timeout)
        state = self._sessions.get(session_id)
        if state is None:
            if check:
                raise ClickHouseError.make(SESSION_NOT_FOUND, f"Session {session_id} not found")
            state = self._sessions[session_id] = SessionState()
        if timeout is not None:
            state.timeout_s = timeout_s
        state.expires_at = now + state.timeout_s
        return state

    def remember(self, state: SessionState, settings: Mapping[str, str], database: str | None) -> None:
        state.settings.update(settings)
        if database is not None:
            state.database = database

    def close(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)


def parse_timeout(value: str | None) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_S
    if not value.isdigit() or int(value) > MAX_TIMEOUT_S:
        raise ClickHouseError.make(
            INVALID_SESSION_TIMEOUT,
            f"Invalid session timeout: '{value}' (a whole number of seconds up to {MAX_TIMEOUT_S})")
    return float(value)
