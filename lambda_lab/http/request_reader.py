"""Reading HTTP/1.1 requests off a socket for the server shell (:mod:`lambda_lab.http.shell`).

Everything is checked before a byte of body is kept: the head's size, the request line,
header syntax, ``Content-Length`` (digits only, one value, never with
``Transfer-Encoding``), chunk sizes and the body's size against the server's limit. A
request that fails a check is a :class:`Refusal` carrying the status to answer and whether
the connection must end (when the rest of the request was not read).
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field

HEAD_MAX_BYTES = 64 * 1024
HEADERS_MAX = 100
DRAIN_MAX_BYTES = 16 * 1024 * 1024  # a body this much over the limit is read (and dropped) first
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
# The blank line ending a head: found from its first "\n" (a pattern that starts with an
# optional "\r" is tried at every byte, 15 times slower); a "\r" before it is part of it.
_HEAD_END = re.compile(rb"\n\r?\n")


@dataclass
class RequestHead:
    """What the shell read before the body: enough for a server to choose a body limit."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The last value of a header (names compared case-insensitively), or None."""
        wanted = name.lower()
        size = len(wanted)
        for key, value in reversed(self.headers):
            if len(key) == size and key.lower() == wanted:  # (lower only what could match)
                return value
        return None


@dataclass
class Request(RequestHead):
    body: bytes = b""
    client: tuple[str, int] = ("127.0.0.1", 0)
    server_port: int = 0
    chunks: tuple[bytes, ...] = ()  # a chunked body's chunks as sent (response streaming)
    trailers: dict[str, str] = field(default_factory=dict)  # lower-case names


@dataclass
class Body:
    """A request body as read: whole, and for a chunked one its chunks and trailer fields."""

    data: bytes = b""
    chunks: tuple[bytes, ...] = ()
    trailers: dict[str, str] = field(default_factory=dict)


class Refusal(Exception):
    """A request the shell will not pass on: its status and what was wrong."""

    def __init__(self, status: int, message: str, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the rest of the request was not read: the connection must end


class Connection:
    """A client connection and the bytes read from it but not used yet (pipelining)."""

    __slots__ = ("sock", "buffer", "address", "last_active")

    def __init__(self, sock: socket.socket, address: tuple[str, int]) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.address = address
        self.last_active = time.monotonic()


def read_head(connection: Connection) -> tuple[RequestHead, bool] | None:
    """The next request head on ``connection`` and whether to keep the connection after
    its answer; None when the client closed between requests."""
    buffer = connection.buffer
    while True:
        stripped = len(buffer) - len(buffer.lstrip(b"\r\n"))
        if stripped:  # blank lines before a request line are allowed (RFC 9112 2.2)
            del buffer[:stripped]
        found = head_end(buffer)
        if found:
            break
        if len(buffer) > HEAD_MAX_BYTES:
            raise Refusal(431, "Request header fields too large", close=True)
        chunk = connection.sock.recv(65536)
        if not chunk:
            if buffer:
                raise Refusal(400, "Incomplete request head", close=True)
            return None
        buffer += chunk
    start, end = found
    if end > HEAD_MAX_BYTES:
        raise Refusal(431, "Request header fields too large", close=True)
    text = bytes(buffer[:start]).decode("latin-1")
    del buffer[:end]
    lines = text.replace("\r\n", "\n").split("\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]) or not parts[1]:
        raise Refusal(400, f"Bad request line {lines[0][:80]!r}", close=True)
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise Refusal(505 if version.startswith("HTTP/") else 400,
                      f"HTTP version {version[:20]!r} is not supported", close=True)  # fmt: skip
    if len(lines) - 1 > HEADERS_MAX:
        raise Refusal(431, f"More than {HEADERS_MAX} header fields", close=True)
    head = RequestHead(method, target, version)
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name):
            raise Refusal(400, f"Bad header line {line[:80]!r}", close=True)
        head.headers.append((name, value.strip(" \t")))
    tokens = (head.header("Connection") or "").lower()
    keep_alive = "close" not in tokens and (version == "HTTP/1.1" or "keep-alive" in tokens)
    return head, keep_alive


def head_end(buffer: bytearray) -> tuple[int, int] | None:
    """Where the first blank line (``\\r?\\n\\r?\\n``) starts and ends in ``buffer``, if any."""
    found = _HEAD_END.search(buffer)
    if found is None:
        return None
    start, end = found.span()
    if start and buffer[start - 1] == 13:  # a "\r" before its first "\n" is part of it
        start -= 1
    return start, end


def read_body(connection: Connection, head: RequestHead, limit: int) -> Body:
    """The body the head announces, read whole; a :class:`Refusal` when it is not to be read."""
    transfer: list[str] = []
    lengths: set[str] = set()
    for k, v in head.headers:
        if len(k) == 14 and k.lower() == "content-length":
            lengths.add(v.strip())
        elif len(k) == 17 and k.lower() == "transfer-encoding":
            transfer.append(v.strip().lower())
    if transfer:
        if lengths:
            raise Refusal(400, "Both Transfer-Encoding and Content-Length", close=True)
        if transfer != ["chunked"] or head.version != "HTTP/1.1":
            raise Refusal(501, f"Transfer-Encoding {', '.join(transfer)[:40]!r} "
                          "is not supported", close=True)  # fmt: skip
        _continue(connection, head)
        return _read_chunked(connection, limit)
    if not lengths:
        return Body()
    if len(lengths) > 1:
        raise Refusal(400, "Content-Length given twice with different values", close=True)
    (text,) = lengths
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is true, int("²") fails
        raise Refusal(400, f"Content-Length {text[:40]!r} is not a number of bytes", True)
    length = int(text)
    if length > limit:
        message = f"The body ({length} bytes) is over {limit} bytes"
        expects = (head.header("Expect") or "").lower() == "100-continue"
        if not expects and length - limit <= DRAIN_MAX_BYTES:
            # A little too large: read it to nowhere, so the client sees the 413 rather
            # than a reset while it is still sending (boto3 would retry, then give up).
            _discard(connection, length)
            raise Refusal(413, message)
        raise Refusal(413, message, close=True)
    _continue(connection, head)
    return Body(_read_exactly(connection, length))


def _continue(connection: Connection, head: RequestHead) -> None:
    expect = (head.header("Expect") or "").lower()
    if expect == "100-continue" and head.version == "HTTP/1.1" and not connection.buffer:
        connection.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")


def _discard(connection: Connection, length: int) -> None:
    """Read ``length`` bytes of body and keep none of them."""
    buffer = connection.buffer
    taken = min(len(buffer), length)
    del buffer[:taken]
    while taken < length:
        chunk = connection.sock.recv(min(65536, length - taken))
        if not chunk:
            raise OSError("the client closed the connection in the middle of a body")
        taken += len(chunk)


def _read_exactly(connection: Connection, length: int) -> bytes:
    buffer = connection.buffer
    while len(buffer) < length:
        chunk = connection.sock.recv(max(65536, length - len(buffer)))
        if not chunk:
            raise OSError("the client closed the connection in the middle of a body")
        buffer += chunk
    body = bytes(buffer[:length])
    del buffer[:length]
    return body


def _read_line(connection: Connection, most: int = 1024) -> bytes:
    buffer = connection.buffer
    while (end := buffer.find(b"\n")) < 0:
        if len(buffer) > most:
            raise Refusal(400, "A chunk size line is too long", close=True)
        chunk = connection.sock.recv(65536)
        if not chunk:
            raise OSError("the client closed the connection in the middle of a body")
        buffer += chunk
    line = bytes(buffer[:end]).rstrip(b"\r")
    del buffer[: end + 1]
    return line


def _read_chunked(connection: Connection, limit: int) -> Body:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = _read_line(connection).split(b";", 1)[0].strip()
        if not size_text or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
            raise Refusal(400, f"Bad chunk size {size_text[:20]!r}", close=True)
        size = int(size_text, 16)
        total += size
        if total > limit:
            raise Refusal(413, f"The body is over {limit} bytes", close=True)
        if size == 0:
            trailers: dict[str, str] = {}
            while line := _read_line(connection, HEAD_MAX_BYTES):
                name, colon, value = line.decode("latin-1").partition(":")
                if colon and len(trailers) < HEADERS_MAX:
                    trailers[name.strip().lower()] = value.strip()
            return Body(b"".join(chunks), tuple(chunks), trailers)
        chunks.append(_read_exactly(connection, size))
        if _read_line(connection):
            raise Refusal(400, "A chunk is longer than its size says", close=True)
