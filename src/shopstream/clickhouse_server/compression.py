"""HTTP Content-Encoding of request and response bodies: gzip, deflate, zstd and lz4.

Request bodies may hold several concatenated frames (clickhouse-connect compresses each insert
block as its own lz4 or zstd frame); responses are one frame, which is what its readers expect.
"""
from __future__ import annotations

import zlib

import lz4.frame
import zstandard

from .errors import CANNOT_DECOMPRESS, UNKNOWN_COMPRESSION_METHOD, ClickHouseError

# Preference order of ClickHouse's chooseHTTPCompressionMethod, limited to what is installed here.
RESPONSE_PREFERENCE = ("zstd", "lz4", "gzip", "deflate")


def decode_body(encoding: str, data: bytes) -> bytes:
    """Undo a request's Content-Encoding."""
    method = encoding.strip().lower()
    if not data or method in ("", "identity", "none"):
        return data
    try:
        if method == "gzip":
            return _zlib_members(data, wbits=16 + zlib.MAX_WBITS)
        if method == "deflate":
            return _zlib_members(data, wbits=zlib.MAX_WBITS)
        if method == "zstd":
            return zstandard.ZstdDecompressor().decompressobj(read_across_frames=True).decompress(data)
        if method == "lz4":
            return _lz4_frames(data)
    except (zlib.error, zstandard.ZstdError, RuntimeError, EOFError) as exc:
        raise ClickHouseError.make(CANNOT_DECOMPRESS, f"Cannot decompress {method} request body: {exc}") from None
    raise ClickHouseError.make(UNKNOWN_COMPRESSION_METHOD,
                               f"Unknown Content-Encoding '{encoding}'; supported: gzip, deflate, zstd, lz4")


def choose_response_encoding(accept_encoding: str) -> str | None:
    """The encoding to compress a response with, given the client's Accept-Encoding (None: plain)."""
    offered = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    return next((method for method in RESPONSE_PREFERENCE if method in offered), None)


def encode_body(method: str, data: bytes, level: int = 3) -> bytes:
    """Compress a response body as one frame or stream of ``method``."""
    if method == "gzip":
        compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        return compressor.compress(data) + compressor.flush()
    if method == "deflate":
        return zlib.compress(data, level)
    if method == "zstd":
        return zstandard.ZstdCompressor(level=level).compress(data)
    if method == "lz4":
        return lz4.frame.compress(data)
    raise ValueError(f"unsupported response encoding {method!r}")


def _zlib_members(data: bytes, wbits: int) -> bytes:
    out = []
    while data:
        decompressor = zlib.decompressobj(wbits)
        out.append(decompressor.decompress(data))
        out.append(decompressor.flush())
        if not decompressor.eof:
            raise zlib.error("truncated stream")
        data = decompressor.unused_data
    return b"".join(out)


def _lz4_frames(data: bytes) -> bytes:
    out = []
    while data:
        decompressor = lz4.frame.LZ4FrameDecompressor()
        out.append(decompressor.decompress(data))
        if not decompressor.eof:
            raise EOFError("truncated lz4 frame")
        data = decompressor.unused_data or b""
    return b"".join(out)
