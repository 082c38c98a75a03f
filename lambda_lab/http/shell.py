"""The one HTTP/1.1 server shell under every socket the Lab opens on loopback.

``lambda-lab serve`` (the AWS endpoint), the front doors (ALB, API Gateway, function
URLs) and each custom runtime's Runtime API hand a *handler* to :class:`ServerShell`; the
shell does the sockets and the framing, the same way for all of them:

* a fixed pool of worker threads, however many clients connect; a selector thread watches
  idle keep-alive connections, so an idle connection holds no thread, and closes them after
  ``idle_timeout_s``;
* HTTP/1.1 keep-alive (no ``Connection: close`` unless the client asked for it or the
  request could not be read to its end), ``Expect: 100-continue``, pipelining, chunked bodies;
* TCP_NODELAY and one ``sendall`` per answer (head and body written separately cost 44 ms a
  request here through Nagle's algorithm and delayed ACKs);
* framing checked before any work: the head's size, the request line, header syntax,
  ``Content-Length`` (digits only, one value, not with ``Transfer-Encoding``) and the body's
  size *from the header*, so an oversized body is never held in memory: up to 16 MB over the
  limit it is read and dropped (the client then reads the 413 instead of a reset), beyond
  that it is refused before a byte of it is read and the connection closed.
  Each refusal goes through the server's ``refuse`` function, which words it in that
  server's own error shape (AWS's JSON for the endpoint, the Runtime API's, a door's).

A handler that raises is answered with a 500 and reported to ``on_error``; nothing is
printed, and the shell keeps serving.
"""

from __future__ import annotations

import email.utils
import queue
import re
import select
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lambda_lab.http.common import HttpResponse

LOOPBACK = "127.0.0.1"
HEAD_MAX_BYTES = 64 * 1024
HEADERS_MAX = 100
DEFAULT_WORKERS = 8
DEFAULT_IDLE_TIMEOUT_S = 30.0
LINGER_S = 0.02  # how long a worker waits for a connection's next request before handing it back
DRAIN_MAX_BYTES = 16 * 1024 * 1024  # a body this much over the limit is read (and dropped) first
CONNECTIONS_MAX = 256  # beyond this many open connections a new one is answered 503 and closed
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_NO_BODY_STATUS = (204, 304)


@dataclass
class RequestHead:
    """What the shell read before the body: enough for a server to choose a body limit."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = [v for k, v in self.headers if k.lower() == wanted]
        return found[-1] if found else None


@dataclass
class Request(RequestHead):
    body: bytes = b""
    client: tuple[str, int] = ("127.0.0.1", 0)
    server_port: int = 0


class Refusal(Exception):
    """A request the shell will not pass on: its status and what was wrong."""

    def __init__(self, status: int, message: str, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the rest of the request was not read: the connection must end


Handler = Callable[[Request], HttpResponse]
Refuse = Callable[["RequestHead | None", Refusal], HttpResponse]
BodyLimit = Callable[[RequestHead], int]


def plain_refusal(head: RequestHead | None, refusal: Refusal) -> HttpResponse:
    """The default wording: status and message as plain text."""
    return HttpResponse(
        refusal.status, [("Content-Type", "text/plain")], refusal.message.encode() + b"\n"
    )


class _Connection:
    __slots__ = ("sock", "buffer", "address", "last_active")

    def __init__(self, sock: socket.socket, address: tuple[str, int]) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.address = address
        self.last_active = time.monotonic()


class ServerShell:
    """Serves ``handler`` on ``http://127.0.0.1:<port>/`` until :meth:`close`."""

    def __init__(
        self,
        handler: Handler,
        *,
        name: str,
        port: int = 0,
        body_limit: int | BodyLimit = 10 * 1024 * 1024,
        refuse: Refuse = plain_refusal,
        workers: int = DEFAULT_WORKERS,
        idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.handler = handler
        self.name = name
        self.refuse = refuse
        self.idle_timeout_s = idle_timeout_s
        self.on_error = on_error
        self._body_limit = body_limit
        self._listener = socket.create_server((LOOPBACK, port))  # raises OSError if taken
        self._listener.setblocking(False)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._port = self.address[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        self._work: queue.SimpleQueue[_Connection | None] = queue.SimpleQueue()
        self._returned: queue.SimpleQueue[_Connection] = queue.SimpleQueue()
        self._idle: dict[socket.socket, _Connection] = {}
        self._open: set[_Connection] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.served = 0  # requests answered, refusals included
        self._threads = [threading.Thread(target=self._watch, name=f"{name}-selector", daemon=True)]
        self._threads += [
            threading.Thread(target=self._work_loop, name=f"{name}-worker-{i}", daemon=True)
            for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    @property
    def port(self) -> int:
        return self._port

    @property
    def workers(self) -> int:
        return len(self._threads) - 1

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- the selector thread: accepts, and watches idle connections ---------------------------
    def _watch(self) -> None:
        while not self._closed:
            for key, _ in self._selector.select(timeout=min(1.0, self.idle_timeout_s / 2)):
                if key.data is None:
                    self._accept()
                elif key.data == "wake":
                    try:
                        self._wake_read.recv(4096)
                    except OSError:
                        pass  # nothing more to drain
                else:
                    connection = self._idle.pop(key.fileobj, None)  # type: ignore[call-overload]
                    self._selector.unregister(key.fileobj)
                    if connection is not None:
                        self._work.put(connection)
            while not self._returned.empty():
                connection = self._returned.get()
                connection.last_active = time.monotonic()
                self._idle[connection.sock] = connection
                self._selector.register(connection.sock, selectors.EVENT_READ, "idle")
            deadline = time.monotonic() - self.idle_timeout_s
            for connection in [c for c in self._idle.values() if c.last_active < deadline]:
                self._selector.unregister(connection.sock)
                del self._idle[connection.sock]
                self._end(connection)

    def _accept(self) -> None:
        try:
            sock, address = self._listener.accept()
        except OSError:
            return  # the client gave up before we got to it
        sock.setblocking(True)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(sock, address)
        with self._lock:
            crowded = len(self._open) >= CONNECTIONS_MAX
            self._open.add(connection)
        if crowded:
            self._send_refusal(connection, None, Refusal(503, "Too many open connections", True))
            self._end(connection)
            return
        self._work.put(connection)

    # -- the workers: one request at a time per connection ------------------------------------
    def _work_loop(self) -> None:
        while True:
            connection = self._work.get()
            if connection is None:
                return
            try:
                keep = self._serve(connection)
            except Exception as exc:  # noqa: BLE001 - a bug here must not end a worker
                self._report(exc)
                keep = False
            if keep and not self._closed:
                self._returned.put(connection)
                self._wake()
            else:
                self._end(connection)

    def _serve(self, connection: _Connection) -> bool:
        """Answer requests on ``connection`` while bytes are waiting; False: close it."""
        connection.sock.settimeout(self.idle_timeout_s)
        while True:
            head: RequestHead | None = None
            try:
                found = self._read_head(connection)
                if found is None:
                    return False  # the client closed the connection between requests
                head, keep_alive = found
                body = self._read_body(connection, head)
            except Refusal as refusal:
                self._send_refusal(connection, head, refusal)
                return not refusal.close
            except (OSError, TimeoutError):
                return False  # gone, or silent for too long in the middle of a request
            request = Request(
                head.method, head.target, head.version, head.headers, body,
                connection.address, self.port,
            )  # fmt: skip
            try:
                response = self.handler(request)
            except Exception as exc:  # noqa: BLE001 - a handler bug is a 500, never a crash
                self._report(exc)
                response = self.refuse(head, Refusal(500, f"{self.name}: internal error"))
            self._send(connection, head, response, keep_alive)
            if not keep_alive:
                return False
            if not connection.buffer and not self._next_request_soon(connection):
                return True

    def _next_request_soon(self, connection: _Connection) -> bool:
        """Wait a moment for the client's next request on this connection while no other
        connection needs a worker: a client calling in a loop is then served without two
        thread hand-offs per request (to the selector and back)."""
        poller = select.poll()
        poller.register(connection.sock, select.POLLIN)
        deadline = time.monotonic() + LINGER_S
        while self._work.empty() and not self._closed:
            if poller.poll(1):
                return True
            if time.monotonic() > deadline:
                break
        return False

    def _read_head(self, connection: _Connection) -> tuple[RequestHead, bool] | None:
        buffer = connection.buffer
        while True:
            stripped = len(buffer) - len(buffer.lstrip(b"\r\n"))
            if stripped:  # blank lines before a request line are allowed (RFC 9112 2.2)
                del buffer[:stripped]
            found = _HEAD_END.search(buffer)
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
        if found.end() > HEAD_MAX_BYTES:
            raise Refusal(431, "Request header fields too large", close=True)
        text = bytes(buffer[: found.start()]).decode("latin-1")
        del buffer[: found.end()]
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

    def _read_body(self, connection: _Connection, head: RequestHead) -> bytes:
        transfer = [v.strip().lower() for k, v in head.headers if k.lower() == "transfer-encoding"]
        lengths = {v.strip() for k, v in head.headers if k.lower() == "content-length"}
        limit = self._body_limit if isinstance(self._body_limit, int) else self._body_limit(head)
        if transfer:
            if lengths:
                raise Refusal(400, "Both Transfer-Encoding and Content-Length", close=True)
            if transfer != ["chunked"] or head.version != "HTTP/1.1":
                raise Refusal(501, f"Transfer-Encoding {', '.join(transfer)[:40]!r} "
                              "is not supported", close=True)  # fmt: skip
            self._continue(connection, head)
            return self._read_chunked(connection, limit)
        if not lengths:
            return b""
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
                self._discard(connection, length)
                raise Refusal(413, message)
            raise Refusal(413, message, close=True)
        self._continue(connection, head)
        return self._read_exactly(connection, length)

    @staticmethod
    def _continue(connection: _Connection, head: RequestHead) -> None:
        expect = (head.header("Expect") or "").lower()
        if expect == "100-continue" and head.version == "HTTP/1.1" and not connection.buffer:
            connection.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    @staticmethod
    def _discard(connection: _Connection, length: int) -> None:
        """Read ``length`` bytes of body and keep none of them."""
        buffer = connection.buffer
        taken = min(len(buffer), length)
        del buffer[:taken]
        while taken < length:
            chunk = connection.sock.recv(min(65536, length - taken))
            if not chunk:
                raise OSError("the client closed the connection in the middle of a body")
            taken += len(chunk)

    @staticmethod
    def _read_exactly(connection: _Connection, length: int) -> bytes:
        buffer = connection.buffer
        while len(buffer) < length:
            chunk = connection.sock.recv(max(65536, length - len(buffer)))
            if not chunk:
                raise OSError("the client closed the connection in the middle of a body")
            buffer += chunk
        body = bytes(buffer[:length])
        del buffer[:length]
        return body

    def _read_line(self, connection: _Connection, most: int = 1024) -> bytes:
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

    def _read_chunked(self, connection: _Connection, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_text = self._read_line(connection).split(b";", 1)[0].strip()
            if not size_text or not all(c in b"0123456789abcdefABCDEF" for c in size_text):
                raise Refusal(400, f"Bad chunk size {size_text[:20]!r}", close=True)
            size = int(size_text, 16)
            total += size
            if total > limit:
                raise Refusal(413, f"The body is over {limit} bytes", close=True)
            if size == 0:
                while self._read_line(connection, HEAD_MAX_BYTES):
                    pass  # trailer fields, which nobody here uses
                return b"".join(chunks)
            chunks.append(self._read_exactly(connection, size))
            if self._read_line(connection):
                raise Refusal(400, "A chunk is longer than its size says", close=True)

    # -- answering ------------------------------------------------------------------------------
    def _send(
        self, connection: _Connection, head: RequestHead | None, response: HttpResponse,
        keep_alive: bool,
    ) -> None:  # fmt: skip
        is_head = head is not None and head.method == "HEAD"
        lines = [f"HTTP/1.1 {response.status} {_one_line(response.reason)}"]
        given_length = None
        has_date = False
        for name, value in response.headers:
            lowered = name.lower()
            if lowered == "content-length":
                given_length = value
                continue  # the shell frames the body itself
            if lowered in ("connection", "transfer-encoding", "keep-alive"):
                continue
            has_date = has_date or lowered == "date"
            lines.append(f"{_one_line(name)}: {_one_line(value)}")
        if not has_date:
            lines.append(_date_header())
        if response.status not in _NO_BODY_STATUS:
            length = given_length if is_head and given_length else str(len(response.body))
            lines.append(f"Content-Length: {_one_line(length)}")
        if not keep_alive:
            lines.append("Connection: close")
        elif head is not None and head.version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        if not is_head and response.status not in _NO_BODY_STATUS:
            data += response.body
        try:
            connection.sock.sendall(data)
        except OSError:
            pass  # the client hung up: nothing to tell it
        connection.last_active = time.monotonic()
        self.served += 1

    def _send_refusal(
        self, connection: _Connection, head: RequestHead | None, refusal: Refusal
    ) -> None:
        try:
            response = self.refuse(head, refusal)
        except Exception as exc:  # noqa: BLE001 - a bad error renderer still gets an answer out
            self._report(exc)
            response = plain_refusal(head, refusal)
        self._send(connection, head, response, keep_alive=not refusal.close)

    def _report(self, error: BaseException) -> None:
        if self.on_error is not None:
            self.on_error(error)

    # -- the end --------------------------------------------------------------------------------
    def _wake(self) -> None:
        try:
            self._wake_write.send(b"x")
        except OSError:
            pass  # closing, or the wake-up pipe is full: the selector wakes anyway

    def _end(self, connection: _Connection) -> None:
        with self._lock:
            self._open.discard(connection)
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone
        connection.sock.close()

    def close(self) -> None:
        """Stop accepting, end every connection, join every thread, release the port."""
        if self._closed:
            return
        self._closed = True
        self._wake()
        with self._lock:
            for connection in list(self._open):
                try:
                    connection.sock.shutdown(socket.SHUT_RDWR)  # wakes a worker blocked reading
                except OSError:
                    pass  # already gone
        for _ in range(self.workers):
            self._work.put(None)
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(timeout=10)
        for connection in list(self._open):
            self._end(connection)
        self._selector.close()
        self._listener.close()
        self._wake_read.close()
        self._wake_write.close()


_date_cache: tuple[int, str] = (0, "")


def _date_header() -> str:
    """The Date header, formatted once a second (it shows whole seconds)."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, f"Date: {email.utils.formatdate(now, usegmt=True)}")
    return _date_cache[1]


def _one_line(text: str) -> str:
    """A header can never end early: a function cannot smuggle lines into the answer."""
    return text.replace("\r", " ").replace("\n", " ")
