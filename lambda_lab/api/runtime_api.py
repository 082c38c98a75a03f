"""The Lambda Runtime API (version 2018-06-01) for one custom-runtime environment.

A custom runtime's ``bootstrap`` asks ``GET /2018-06-01/runtime/invocation/next`` for an
event and posts the result to ``.../invocation/{id}/response`` (or ``/error``); a runtime
that cannot start posts ``/runtime/init/error``. Each environment gets its own server on
``127.0.0.1:<port>`` (the ``AWS_LAMBDA_RUNTIME_API`` its process sees).

The server is a translator, not a second runtime: on the Lab's side it speaks the same
frames as the Python worker (environments/protocol.py), so the environment that waits,
times out, kills and measures a Python function does the same for a bootstrap. The first
``/next`` call is the end of init; a bootstrap that exits closes the frame socket, which
the environment reports as Runtime.ExitError.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambda_lab.environments import protocol

PREFIX = "/2018-06-01/runtime"
_RESPONSE = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
_CLOSED = object()  # wakes a waiting /next when the environment ends


def _peak_rss_kb(pid: int) -> int:
    """The process's own high-water mark of resident memory (VmHWM), like ru_maxrss."""
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def error_document(body: bytes, error_type_header: str | None) -> dict[str, Any]:
    """The error a runtime posted, as AWS passes it on: its JSON, or one built from the header."""
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        doc = None
    if isinstance(doc, dict) and ("errorType" in doc or "errorMessage" in doc):
        doc.setdefault("errorType", error_type_header or "Unhandled")
        doc.setdefault("errorMessage", "")
        return doc
    message = body.decode("utf-8", errors="replace") if body else ""
    return {"errorMessage": message, "errorType": error_type_header or "Unhandled"}


class RuntimeApi:
    """One environment's Runtime API: HTTP on loopback for the bootstrap, frames for the Lab."""

    def __init__(self) -> None:
        self.lab_socket, self._frames = socket.socketpair()
        self._events: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._initialized = False
        self._current: str | None = None  # the request id the runtime is working on
        self._pid = 0
        self._pidfd = -1
        self._closed = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._threads = [
            threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="lambda-lab-runtime-api",
                daemon=True,
            ),
            threading.Thread(target=self._pump, name="lambda-lab-runtime-pump", daemon=True),
        ]

    @property
    def address(self) -> str:
        """What the bootstrap finds in AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def watch(self, pid: int) -> None:
        """Start serving the runtime process ``pid``; its exit closes the Lab's frame socket."""
        self._pid = pid
        try:
            self._pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self._pidfd = -1  # already gone: the pump closes the socket at once
        for thread in self._threads:
            thread.start()

    # -- the Lab's side ---------------------------------------------------------------------
    def _pump(self) -> None:
        """Pass invokes from the Lab to /next; close the frame socket when the runtime exits."""
        poller = select.poll()
        poller.register(self._frames, select.POLLIN | select.POLLHUP)
        if self._pidfd >= 0:
            poller.register(self._pidfd, select.POLLIN)
        while not self._closed:
            ready = dict(poller.poll(100)) if self._pidfd >= 0 else {}
            if self._pidfd < 0 or self._pidfd in ready:  # the runtime process has exited
                self._frames.shutdown(socket.SHUT_RDWR)  # the environment sees the hang-up
                self._events.put(_CLOSED)
                return
            if self._frames.fileno() in ready:
                try:
                    self._events.put(protocol.recv(self._frames))
                except (protocol.PeerGone, OSError):
                    self._events.put(_CLOSED)
                    return

    def _reply(self, ok: bool, body: bytes = b"", request_id: str = "init") -> None:
        # The id ties the frame to its request; the environment rejects any other.
        header = {"id": request_id, "ok": ok, "rss_kb": _peak_rss_kb(self._pid)}
        try:
            protocol.send(self._frames, header, body)
        except OSError:
            pass  # the environment already ended (timeout or kill)

    # -- the runtime's side (called from request threads) ---------------------------------------
    def next_event(self) -> tuple[dict[str, Any], bytes] | None:
        with self._lock:
            if not self._initialized:
                self._initialized = True
                self._reply(True)  # the first /next ends the init phase
        item = self._events.get()
        if item is _CLOSED:
            self._events.put(_CLOSED)
            return None
        header, body = item
        with self._lock:
            self._current = header["id"]
        return header, body

    def finish(self, request_id: str, ok: bool, body: bytes) -> bool:
        """The runtime's result for ``request_id``; False if that is not the invocation in flight."""
        with self._lock:
            if request_id != self._current:
                return False
            self._current = None
        self._reply(ok, body, request_id)
        return True

    def init_error(self, body: bytes) -> bool:
        with self._lock:
            if self._initialized:
                return False
            self._initialized = True
        self._reply(False, body)
        return True

    def close(self) -> None:
        """Stop serving: wake a waiting /next, end the threads, release the port."""
        if self._closed:
            return
        self._closed = True
        self._events.put(_CLOSED)
        self._server.shutdown()
        self._server.drop_connections()
        self._server.server_close()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()
        self._frames.close()
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True
    api: RuntimeApi

    def __init__(self, *args: Any) -> None:
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(*args)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, address = super().get_request()
        with self._open_lock:
            self._open.add(conn)
        return conn, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._open_lock:
            for conn in self._open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the runtime already hung up


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one write per reply as well: no 44 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
        """Silent: the function's log holds what the runtime prints, not our access log."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        head = [
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        self.wfile.flush()

    def _error(self, status: int, error_type: str, message: str) -> None:
        self._send(status, json.dumps({"errorMessage": message, "errorType": error_type}).encode())

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path != f"{PREFIX}/invocation/next":
            return self._error(404, "NotFound", f"No Runtime API route for GET {self.path}")
        got = self.server.api.next_event()
        if got is None:  # the environment is ending
            self.close_connection = True
            return self._error(
                500,
                "Runtime.Shutdown",
                "Container error. Non-recoverable state. Runtime should exit promptly.",
            )
        header, body = got
        headers = {
            "Lambda-Runtime-Aws-Request-Id": header["id"],
            "Lambda-Runtime-Deadline-Ms": str(header["deadline"]),
            "Lambda-Runtime-Invoked-Function-Arn": header["arn"],
            "Lambda-Runtime-Trace-Id": header.get("trace", ""),
        }
        if header.get("cc") is not None:
            headers["Lambda-Runtime-Client-Context"] = json.dumps(header["cc"])
        self._send(200, body, headers)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self._body()
        api = self.server.api
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
        if self.path == f"{PREFIX}/init/error":
            if not api.init_error(json.dumps(error_document(body, error_type)).encode()):
                return self._error(
                    403,
                    "InvalidStateTransition",
                    "State transition from Ready to InitError failed "
                    "for runtime: init has already finished",
                )
            return self._send(202, b'{"status":"OK"}')
        found = _RESPONSE.match(self.path)
        if not found:
            return self._error(404, "NotFound", f"No Runtime API route for POST {self.path}")
        request_id, kind = found.groups()
        result = (
            body if kind == "response" else json.dumps(error_document(body, error_type)).encode()
        )
        if not api.finish(request_id, kind == "response", result):
            return self._error(
                400,
                "InvalidRequestID",
                f"Invalid request ID: {request_id} is not the invocation in flight",
            )
        self._send(202, b'{"status":"OK"}')
