"""Users of the endpoint and HTTP authentication the way ClickHouse reads credentials."""
from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AUTHENTICATION_FAILED, ClickHouseError


@dataclass(frozen=True)
class UserSpec:
    """A user: its password (never shown in reprs) and whether it may only read."""

    name: str
    password: str = field(repr=False)
    readonly: bool = False


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)


def credentials_from_request(headers: Mapping[str, str], params: Mapping[str, str]) -> Credentials:
    """Read credentials like ClickHouse: X-ClickHouse-User/Key headers, else Basic auth, else URL params.

    ``headers`` has lower-case names. Mixing schemes is refused, as the server does. Without any credentials the user is ``default``.
    """
    header_user = headers.get("x-clickhouse-user", "")
    header_key = headers.get("x-clickhouse-key", "")
    authorization = headers.get("authorization", "")
    in_params = "user" in params or "password" in params
    if header_user or header_key:
        if authorization or in_params:
            raise _invalid("it is not allowed to use X-ClickHouse HTTP headers and other authentication "
                           "methods simultaneously")
        return Credentials(header_user or "default", header_key)
    if authorization:
        if in_params:
            raise _invalid("it is not allowed to use Authorization HTTP header and authentication via "
                           "parameters simultaneously")
        scheme, _, info = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise _invalid(f"'{scheme}' HTTP Authorization scheme is not supported")
        try:
            decoded = base64.b64decode(info.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _invalid("malformed Basic credentials") from None
        user, _, password = decoded.partition(":")
        return Credentials(user or "default", password)
    return Credentials(params.get("user") or "default", params.get("password", ""))


def authenticate(users: Mapping[str, UserSpec], credentials: Credentials) -> UserSpec:
    """The configured user matching the credentials, or ClickHouse's AUTHENTICATION_FAILED error."""
    user = users.get(credentials.user)
    expected = user.password if user is not None else ""
    matches = hmac.compare_digest(expected.encode(), credentials.password.encode())
    if user is None or not matches:
        raise ClickHouseError.make(
            AUTHENTICATION_FAILED,
            f"{credentials.user}: Authentication failed: password is incorrect, or there is no user with such name")
    return user


def load_users_file(path: Path) -> dict[str, UserSpec]:
    """Users from a JSON file ``{"name": {"password": "...", "readonly": false}, ...}``."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"users file {path}: cannot read it as JSON ({exc.__class__.__name__}); "
                         "expected {\"name\": {\"password\": \"...\", \"readonly\": false}}") from None
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f"users file {path}: expected a non-empty JSON object of users")
    users: dict[str, UserSpec] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("password"), str):
            raise ValueError(f"users file {path}: user {name!r} needs a string 'password'")
        users[name] = UserSpec(name, spec["password"], bool(spec.get("readonly", False)))
    return users


def _invalid(reason: str) -> ClickHouseError:
    return ClickHouseError.make(AUTHENTICATION_FAILED, f"Invalid authentication: {reason}")
