"""ClickHouse-shaped errors: exception codes, HTTP statuses and the error text clients parse."""
from __future__ import annotations

import re

# ClickHouse exception codes used by this server (src/Common/ErrorCodes.cpp).
SYNTAX_ERROR = 62
NOT_IMPLEMENTED = 48
BAD_ARGUMENTS = 36
UNKNOWN_SETTING = 115
UNKNOWN_COMPRESSION_METHOD = 89
CANNOT_DECOMPRESS = 271
READONLY = 164
SESSION_NOT_FOUND = 372
INVALID_SESSION_TIMEOUT = 374
CANNOT_SCHEDULE_TASK = 439
AUTHENTICATION_FAILED = 516
STD_EXCEPTION = 1001

_NAMES = {
    SYNTAX_ERROR: "SYNTAX_ERROR",
    NOT_IMPLEMENTED: "NOT_IMPLEMENTED",
    BAD_ARGUMENTS: "BAD_ARGUMENTS",
    UNKNOWN_SETTING: "UNKNOWN_SETTING",
    UNKNOWN_COMPRESSION_METHOD: "UNKNOWN_COMPRESSION_METHOD",
    CANNOT_DECOMPRESS: "CANNOT_DECOMPRESS",
    READONLY: "READONLY",
    SESSION_NOT_FOUND: "SESSION_NOT_FOUND",
    INVALID_SESSION_TIMEOUT: "INVALID_SESSION_TIMEOUT",
    CANNOT_SCHEDULE_TASK: "CANNOT_SCHEDULE_TASK",
    AUTHENTICATION_FAILED: "AUTHENTICATION_FAILED",
    STD_EXCEPTION: "STD_EXCEPTION",
}

# exceptionCodeToHTTPStatus.cpp of ClickHouse, by code number.
_UNAUTHORIZED = {194}
_FORBIDDEN = {192, 193, 516, 512}
_BAD_REQUEST = {36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223,
                62, 117, 53, 321}
_NOT_FOUND = {60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511}
_OTHER = {229: 413, 48: 501, 209: 503, 76: 503, 381: 411, 159: 408, 439: 503}

_CODE_RE = re.compile(r"Code: (\d+)\. ")
_VERSION_SUFFIX_RE = re.compile(r"\s*\(version [^()]*(?:\([^()]*\))?[^()]*\)\s*$")


class ClickHouseError(Exception):
    """A query failure carrying ClickHouse's exception code and message text."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

    @classmethod
    def make(cls, code: int, message: str) -> "ClickHouseError":
        """Build the text a ClickHouse server would write: ``Code: N. DB::Exception: msg. (NAME)``."""
        return cls(code, f"Code: {code}. DB::Exception: {message}. ({_NAMES.get(code, 'UNKNOWN')})")

    def http_status(self) -> int:
        return http_status(self.code)

    def body(self, version: str) -> bytes:
        """The response body: the error text with the server version, as ClickHouse sends it."""
        return f"{self.text} (version {version})\n".encode()


def http_status(code: int) -> int:
    """The HTTP status ClickHouse answers with for an exception code."""
    if code in _UNAUTHORIZED:
        return 401
    if code in _FORBIDDEN:
        return 403
    if code in _BAD_REQUEST:
        return 400
    if code in _NOT_FOUND:
        return 404
    return _OTHER.get(code, 500)


def from_engine_message(message: str) -> ClickHouseError:
    """Turn a chDB exception message into a ClickHouseError, keeping the engine's own text.

    chDB prefixes some messages (``Streaming insert finish failed: ``) and suffixes the version;
    the text from the first ``Code: N.`` on, minus the version, is what a server would send.
    """
    match = _CODE_RE.search(message)
    if match is None:
        return ClickHouseError.make(STD_EXCEPTION, message.strip() or "unknown engine error")
    text = _VERSION_SUFFIX_RE.sub("", message[match.start():].strip())
    return ClickHouseError(int(match.group(1)), text)
