"""The request side of ClickHouse's HTTP interface: which URL parameters are transport, settings or
query parameters, where the query text comes from, and multipart forms.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser

from .errors import BAD_ARGUMENTS, NOT_IMPLEMENTED, UNKNOWN_SETTING, ClickHouseError

# URL parameters the HTTP layer consumes itself; they are never engine settings.
TRANSPORT_PARAMS = frozenset({
    "query", "database", "default_format", "user", "password", "quota_key", "query_id", "session_id",
    "session_timeout", "session_check", "close_session", "compress", "decompress", "buffer_size",
    "wait_end_of_query", "client_protocol_version", "role", "stacktrace", "readonly",
})
# Real settings that only shape the HTTP response; this server buffers whole results and sends no
# progress headers, so they are read here (compression) or accepted and ignored.
HTTP_SETTINGS = frozenset({
    "enable_http_compression", "http_zlib_compression_level", "send_progress_in_http_headers",
    "http_headers_progress_interval_ms", "cancel_http_readonly_queries_on_client_close",
    "http_native_compression_disable_checksumming_on_decompress", "add_http_cors_header",
    "http_response_buffer_size", "http_wait_end_of_query", "http_write_exception_in_output_format",
    "http_response_headers",
})
# Settings whose change could not be undone on a shared engine session.
LOCKED_SETTINGS = frozenset({"profile"})

_SETTING_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*\Z")
_PARAM_PREFIX = "param_"


@dataclass(frozen=True)
class QueryRequest:
    """Everything about one query request that the engine needs, transport details resolved."""

    text: bytes
    query_params: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    database: str | None = None
    default_format: str = "TabSeparated"
    query_id: str = ""
    session_id: str | None = None
    session_timeout: str | None = None
    session_check: bool = False
    close_session: bool = False
    readonly: int = 0
    http_compression: bool | None = None
    http_compression_level: int = 3


def query_request(params: Mapping[str, str], headers: Mapping[str, str], body: bytes) -> QueryRequest:
    """Resolve URL parameters, headers and body into a QueryRequest, as ClickHouse's HTTPHandler does.

    ``headers`` has lower-case names. The query text is the ``query`` parameter, then a newline, then the body; for a multipart form
    the ``query`` and ``param_*`` fields join the URL parameters and there is no body.
    """
    params = dict(params)
    content_type = headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        params.update(_form_fields(content_type, body))
        body = b""
    for name in ("compress", "decompress"):
        if params.get(name, "0") not in ("", "0"):
            raise ClickHouseError.make(
                NOT_IMPLEMENTED,
                f"{name}=1 (ClickHouse's own block compression) is not supported by this server; "
                "use HTTP Content-Encoding / Accept-Encoding (gzip, deflate, zstd, lz4) instead")
    query = params.get("query", "")
    text = (query.encode() + b"\n" + body) if query else body
    return QueryRequest(
        text=text,
        query_params={k[len(_PARAM_PREFIX):]: v for k, v in params.items() if k.startswith(_PARAM_PREFIX)},
        settings=engine_settings(params),
        database=params.get("database") or headers.get("x-clickhouse-database") or None,
        default_format=params.get("default_format") or headers.get("x-clickhouse-format") or "TabSeparated",
        query_id=params.get("query_id") or headers.get("x-clickhouse-query-id") or str(uuid.uuid4()),
        session_id=params.get("session_id") or None,
        session_timeout=params.get("session_timeout"),
        session_check=params.get("session_check") == "1",
        close_session=params.get("close_session") == "1",
        readonly=_readonly_level(params.get("readonly")),
        http_compression=_flag(params["enable_http_compression"]) if "enable_http_compression" in params else None,
        http_compression_level=_int_param(params, "http_zlib_compression_level", 3),
    )


def engine_settings(params: Mapping[str, str]) -> dict[str, str]:
    """The URL parameters that are ClickHouse settings to apply to this request only."""
    settings = {}
    for name, value in params.items():
        if name in TRANSPORT_PARAMS or name in HTTP_SETTINGS or name.startswith(_PARAM_PREFIX):
            continue
        if not _SETTING_NAME.match(name):
            raise ClickHouseError.make(UNKNOWN_SETTING, f"Unknown setting '{name}'")
        if name in LOCKED_SETTINGS:
            raise ClickHouseError.make(BAD_ARGUMENTS, f"Setting '{name}' cannot be changed per request on this "
                                                      "server (it shares one engine session)")
        settings[name] = value
    return settings


def _form_fields(content_type: str, body: bytes) -> dict[str, str]:
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        if part.get_filename():
            raise ClickHouseError.make(NOT_IMPLEMENTED, "External data (file parts of a multipart form) is not "
                                                        "supported by this server")
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode()
    return fields


def _readonly_level(value: str | None) -> int:
    if value in (None, "", "0"):
        return 0
    if value in ("1", "2"):
        return int(value)
    raise ClickHouseError.make(BAD_ARGUMENTS, f"Invalid value '{value}' for setting readonly (0, 1 or 2)")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true")


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    value = params.get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise ClickHouseError.make(BAD_ARGUMENTS, f"Invalid value '{value}' for setting {name}")
    return int(value)
