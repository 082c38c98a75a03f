"""The Lab's X-Ray daemon: where handlers send trace segments, as on Lambda.

On AWS every execution environment has ``AWS_XRAY_DAEMON_ADDRESS`` (an address and a UDP
port) and, with active tracing, an ``_X_AMZN_TRACE_ID`` header naming the trace, the
function's segment (``Parent``) and whether this request is sampled. The X-Ray SDK sends
each subsegment as one UDP datagram: a JSON header line, a newline, the segment document::

    {"format": "json", "version": 1}
    {"trace_id": "1-...", "id": "70de5b6f19ff9a0a", "parent_id": "...", "type": "subsegment",
     "name": "DynamoDB", "namespace": "aws", "start_time": 1.7e9, "end_time": 1.7e9,
     "annotations": {"order_id": "o-17"}, "metadata": {"default": {...}}}

The Lab binds the same kind of socket on 127.0.0.1 the first time an environment needs the
address. Nothing reads it on a thread: datagrams wait in the socket's buffer and are read
when someone asks for the segments (a busy daemon drops what does not fit, as UDP does).
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from typing import Any

HEADER = {"format": "json", "version": 1}
KEPT_DOCUMENTS = 20_000
_BUFFER_BYTES = 1 << 20  # room for a few thousand small segments between two reads


class XRayDaemon:
    """A UDP receiver for segment documents; thread-safe; ``close()`` releases the port."""

    def __init__(self) -> None:
        self._socket: socket.socket | None = None
        self._documents: deque[dict[str, Any]] = deque(maxlen=KEPT_DOCUMENTS)
        self.rejected: deque[str] = deque(maxlen=100)
        self._lock = threading.Lock()
        self._closed = False

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, what ``AWS_XRAY_DAEMON_ADDRESS`` holds; binds on first use."""
        with self._lock:
            if self._socket is None:
                if self._closed:
                    raise RuntimeError("this Lab is closed: its X-Ray daemon is gone")
                receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _BUFFER_BYTES)
                receiver.bind(("127.0.0.1", 0))
                receiver.setblocking(False)
                self._socket = receiver
            host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def worker_environ(self) -> dict[str, str]:
        """The variables Lambda sets for the X-Ray SDK in every environment."""
        address = self.address
        return {
            "AWS_XRAY_DAEMON_ADDRESS": address,
            "_AWS_XRAY_DAEMON_ADDRESS": address.split(":")[0],
            "_AWS_XRAY_DAEMON_PORT": address.split(":")[1],
        }

    def documents(self) -> list[dict[str, Any]]:
        """Every segment document received so far, oldest first."""
        self._drain()
        with self._lock:
            return list(self._documents)

    def _drain(self) -> None:
        with self._lock:
            receiver = self._socket
            if receiver is None:
                return
            while True:
                try:
                    datagram = receiver.recv(65536)
                except (BlockingIOError, OSError):
                    return
                document = _parse(datagram)
                if document is None:
                    self.rejected.append(datagram[:200].decode("utf-8", "replace"))
                else:
                    self._documents.append(document)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._socket is not None:
                self._socket.close()
                self._socket = None


def _parse(datagram: bytes) -> dict[str, Any] | None:
    """A daemon datagram's segment document, or None when it is not one."""
    header, newline, body = datagram.partition(b"\n")
    try:
        if not newline or json.loads(header) != HEADER:
            return None
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict) or not {"trace_id", "id", "name"} <= set(document):
        return None
    return document
