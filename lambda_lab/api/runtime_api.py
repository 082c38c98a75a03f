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

Response streaming: a runtime may post its response with
``Lambda-Runtime-Function-Response-Mode: streaming`` and ``Transfer-Encoding: chunked``
(up to 200 MB instead of 6 MB), ending with the trailers
``Lambda-Runtime-Function-Error-Type``/``-Body`` when it fails mid-stream. The chunks, the
content type and any such error are kept by request id (:func:`streamed`) for the
InvokeWithResponseStream API and RESPONSE_STREAM function URLs; the Lab hands them over
when the function finishes, so the bytes are AWS's but not the timing.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import queue
import re
import select
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import limits
from lambda_lab.environments import protocol
from lambda_lab.http.common import HttpResponse
from lambda_lab.http.shell import Refusal, Request, RequestHead, ServerShell

PREFIX = "/2018-06-01/runtime"
_RESPONSE = re.compile(rf"^{PREFIX}/invocation/([^/]+)/(response|error)$")
_CLOSED = object()  # wakes a waiting /next when the environment ends
WORKERS = 2  # a bootstrap uses one connection at a time; one more for a stray client
BUFFERED_MAX_BYTES = 6_291_556  # AWS's figure in its error message (6 MB + 100 bytes)
STREAMED_KEPT = 64  # streamed responses waiting to be picked up, at most


def _streaming(head: RequestHead | None) -> bool:
    mode = head.header("Lambda-Runtime-Function-Response-Mode") if head is not None else None
    return (mode or "").lower() == "streaming"


def body_limit(head: RequestHead | None) -> int:
    """A response or error document, at most: 200 MB when streamed, else 6 MB (+100 bytes)."""
    return limits.STREAMED_RESPONSE_MAX_BYTES if _streaming(head) else BUFFERED_MAX_BYTES


@dataclass
class StreamedResponse:
    """A response a runtime streamed: its chunks as posted, and how it ended."""

    content_type: str
    chunks: list[bytes] = field(default_factory=list)
    error_type: str | None = None  # from the Lambda-Runtime-Function-Error-Type trailer
    error_body: str | None = None  # the decoded Lambda-Runtime-Function-Error-Body trailer

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


_streamed: collections.OrderedDict[str, StreamedResponse] = collections.OrderedDict()
_streamed_lock = threading.Lock()


def streamed(request_id: str) -> StreamedResponse | None:
    """The streamed response of one invocation (taken: a second call returns None)."""
    with _streamed_lock:
        return _streamed.pop(request_id, None)


def _keep_streamed(request_id: str, response: StreamedResponse) -> None:
    with _streamed_lock:
        _streamed[request_id] = response
        while len(_streamed) > STREAMED_KEPT:
            _streamed.popitem(last=False)


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
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read: keep it as text
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
        # The shared shell: framing checked (and a response over 6 MB refused from its
        # Content-Length) before anything reaches the handlers below.
        self._server = ServerShell(
            self._answer,
            name="lambda-lab-runtime-api",
            body_limit=body_limit,
            refuse=self._refusal,
            workers=WORKERS,
        )
        self._threads = [
            threading.Thread(target=self._pump, name="lambda-lab-runtime-pump", daemon=True),
        ]

    @property
    def address(self) -> str:
        """What the bootstrap finds in AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.address
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
        self._server.close()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()
        self._frames.close()
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1

    # -- HTTP: what the bootstrap asks (called by the shell's worker threads) --------------------
    def _answer(self, request: Request) -> HttpResponse:
        path = request.target
        if request.method == "GET":
            if path != f"{PREFIX}/invocation/next":
                return _error(404, "NotFound", f"No Runtime API route for GET {path[:200]}")
            return self._next()
        if request.method != "POST":
            return _error(
                405, "MethodNotAllowed", f"The Runtime API takes GET and POST, not {request.method}"
            )
        error_type = request.header("Lambda-Runtime-Function-Error-Type")
        if path == f"{PREFIX}/init/error":
            if not self.init_error(json.dumps(error_document(request.body, error_type)).encode()):
                return _error(
                    403,
                    "InvalidStateTransition",
                    "State transition from Ready to InitError failed "
                    "for runtime: init has already finished",
                )
            return _accepted()
        found = _RESPONSE.match(path)
        if not found:
            return _error(404, "NotFound", f"No Runtime API route for POST {path[:200]}")
        request_id, kind = found.groups()
        body = request.body
        ok = kind == "response"
        result = body if ok else json.dumps(error_document(body, error_type)).encode()
        if ok and _streaming(request):
            stream = StreamedResponse(
                request.header("Content-Type") or "application/octet-stream",
                list(request.chunks) or [body],
            )
            if request.trailers.get("lambda-runtime-function-error-type"):
                stream.error_type = request.trailers["lambda-runtime-function-error-type"]
                stream.error_body = _decoded(
                    request.trailers.get("lambda-runtime-function-error-body", "")
                )
            _keep_streamed(request_id, stream)
        if not self.finish(request_id, ok, result):
            return _error(
                400,
                "InvalidRequestID",
                f"Invalid request ID: {request_id} is not the invocation in flight",
            )
        return _accepted()

    def _next(self) -> HttpResponse:
        got = self.next_event()
        if got is None:  # the environment is ending
            return _error(
                500,
                "Runtime.Shutdown",
                "Container error. Non-recoverable state. Runtime should exit promptly.",
            )
        header, body = got
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", header["id"]),
            ("Lambda-Runtime-Deadline-Ms", str(header["deadline"])),
            ("Lambda-Runtime-Invoked-Function-Arn", header["arn"]),
            ("Lambda-Runtime-Trace-Id", header.get("trace", "")),
        ]
        if header.get("cc") is not None:
            headers.append(("Lambda-Runtime-Client-Context", json.dumps(header["cc"])))
        return HttpResponse(200, headers, body)

    def _refusal(self, head: RequestHead | None, refusal: Refusal) -> HttpResponse:
        """A request the shell would not read, in the Runtime API's error shape. A response
        too large to read ends its invocation as AWS does: Function.ResponseSizeTooLarge."""
        if refusal.status != 413:
            return _error(refusal.status, "InvalidRequest", refusal.message)
        found = _RESPONSE.match(head.target) if head is not None else None
        limit = body_limit(head)
        if found and found.group(2) == "response":
            message = (
                f"Response payload size exceeded maximum allowed payload size ({limit} bytes)."
            )
            document = {"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}
            self.finish(found.group(1), False, json.dumps(document).encode())
        return _error(
            413,
            "RequestEntityTooLarge",
            f"Exceeded maximum allowed payload size ({limit} bytes).",
        )


def _error(status: int, error_type: str, message: str) -> HttpResponse:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def _accepted() -> HttpResponse:
    return HttpResponse(202, [("Content-Type", "application/json")], b'{"status":"OK"}')


def _decoded(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", errors="replace")
    except ValueError:
        return text
