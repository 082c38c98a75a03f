"""The worker protocol: length-prefixed frames over a Unix socket pair.

A frame is ``!II`` (header length, body length), a small JSON header and a raw body.
The body carries payloads untouched (an event or a result can be 6 MB), so the JSON
encoder only ever sees the few fields of the header. Kept tiny and dependency-free:
this module is imported inside every execution environment.
"""

from __future__ import annotations

import json
import socket
import struct

PREFIX = struct.Struct("!II")
MAX_HEADER = 1 << 20
MAX_BODY = 64 << 20
FIRST_READ = 1 << 16  # far above AWS's 6 MB: a bigger frame means a broken peer


class PeerGone(EOFError):
    """The other end closed the socket (the environment died, or the Lab went away)."""


class ProtocolError(PeerGone):
    """The other end sent something that is not one frame (too large, or more than one)."""


def send(sock: socket.socket, header: dict | bytes, body: bytes = b"") -> None:
    """Send one frame; ``header`` may come already encoded (the hot path builds its own)."""
    head = (
        header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    )
    prefix = PREFIX.pack(len(head), len(body))
    if len(body) < 65536:
        sock.sendall(prefix + head + body)
        return
    # Large bodies: hand the kernel three buffers rather than copying 6 MB.
    view = memoryview(body)
    sent = sock.sendmsg([prefix, head, view])
    total = len(prefix) + len(head) + len(body)
    if sent < total:
        rest = (prefix + head)[sent:] if sent < len(prefix) + len(head) else b""
        offset = max(0, sent - len(prefix) - len(head))
        if rest:
            sock.sendall(rest)
        sock.sendall(view[offset:])


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    if size == 0:
        return b""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise PeerGone("connection closed")
        got += n
    return bytes(buffer)


def recv(sock: socket.socket) -> tuple[dict, bytes]:
    """One frame. Small frames arrive in a single read: the protocol is strictly one
    request, one reply, so a read never runs into the next frame."""
    first = sock.recv(FIRST_READ)
    if not first:
        raise PeerGone("connection closed")
    if len(first) < PREFIX.size:
        first += _recv_exact(sock, PREFIX.size - len(first))
    head_len, body_len = PREFIX.unpack_from(first)
    if head_len > MAX_HEADER or body_len > MAX_BODY:
        raise ProtocolError(f"frame too large ({head_len} + {body_len} bytes)")
    total = PREFIX.size + head_len + body_len
    if len(first) > total:
        raise ProtocolError(f"protocol error: {len(first) - total} bytes beyond one frame")
    if len(first) < total:
        first += _recv_exact(sock, total - len(first))
    return parse(first)


def parse(frame: bytes) -> tuple[dict, bytes]:
    """Split one whole frame into its header and body."""
    head_len, _ = PREFIX.unpack_from(frame)
    view = memoryview(frame)
    header = json.loads(view[PREFIX.size : PREFIX.size + head_len].tobytes())
    return header, view[PREFIX.size + head_len :].tobytes()
