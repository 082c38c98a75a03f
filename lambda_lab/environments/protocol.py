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
MESSAGE_MAX = 1 << 16  # one control message; SOCK_SEQPACKET keeps message boundaries
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
    _fill(sock, buffer, 0)
    return bytes(buffer)


def _fill(sock: socket.socket, buffer: bytearray, got: int) -> None:
    """Read into ``buffer`` from ``got`` until it is full."""
    view = memoryview(buffer)
    size = len(buffer)
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise PeerGone("connection closed")
        got += n


def recv(sock: socket.socket) -> tuple[dict, bytes]:
    """One frame, its body as bytes."""
    header, body = recv_frame(sock)
    return header, body if type(body) is bytes else bytes(body)


def recv_frame(sock: socket.socket) -> tuple[dict, bytes | bytearray]:
    """One frame. Small frames arrive in a single read: the protocol is strictly one
    request, one reply, so a read never runs into the next frame. A larger body is read
    straight into one buffer of its size and handed over as that bytearray (a 6 MB
    payload is never copied on its way in)."""
    first = sock.recv(FIRST_READ)
    if not first:
        raise PeerGone("connection closed")
    if len(first) < PREFIX.size:
        first += _recv_exact(sock, PREFIX.size - len(first))
    head_len, body_len = PREFIX.unpack_from(first)
    if head_len > MAX_HEADER or body_len > MAX_BODY:
        raise ProtocolError(f"frame too large ({head_len} + {body_len} bytes)")
    head_end = PREFIX.size + head_len
    total = head_end + body_len
    got = len(first)
    if got == total:
        return parse(first)
    if got > total:
        raise ProtocolError(f"protocol error: {got - total} bytes beyond one frame")
    if got < head_end:  # a header longer than the first read (rare: headers are small)
        first += _recv_exact(sock, head_end - got)
        got = head_end
    header = header_of(first[PREFIX.size : head_end])
    body = bytearray(body_len)
    body[: got - head_end] = memoryview(first)[head_end:]
    _fill(sock, body, got - head_end)
    return header, body


def parse(frame: bytes) -> tuple[dict, bytes]:
    """Split one whole frame into its header and body."""
    head_len, _ = PREFIX.unpack_from(frame)
    head_end = PREFIX.size + head_len
    return header_of(frame[PREFIX.size : head_end]), frame[head_end:]


_decoder = json.JSONDecoder()


def header_of(raw: bytes) -> dict:
    """A frame's header as a dict. Headers are always UTF-8 (json.loads of bytes spends
    more time guessing the encoding than decoding a small header)."""
    return _decoder.decode(raw.decode())
