"""The one HTTP/1.1 server shell under every socket the Lab opens on loopback.

``lambda-lab serve`` (the AWS endpoint), the front doors (ALB, API Gateway, function
URLs) and each custom runtime's Runtime API hand a *handler* to :class:`ServerShell`; the
shell does the sockets and the framing, the same way for all of them:

* a fixed most of worker threads, however many clients connect, each started when work
  first finds every started one busy (a Lab starts servers it may never use); a selector
  thread watches
  idle keep-alive connections, so an idle connection holds no thread, and closes them after
  ``idle_timeout_s``;
* HTTP/1.1 keep-alive (no ``Connection: close`` unless the client asked for it or the
  request could not be read to its end), ``Expect: 100-continue``, pipelining, chunked bodies;
* TCP_NODELAY and one ``sendall`` per answer (head and body written separately cost 44 ms a
  request here through Nagle's algorithm and delayed ACKs);
* framing checked before any work (:mod:`lambda_lab.http.request_reader`): the head's size, the request line, header syntax,
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
import select
import selectors
import socket
import threading
import time
from collections.abc import Callable

from lambda_lab.http.common import HttpResponse
from lambda_lab.http.request_reader import (
    Connection,
    Refusal,
    Request,
    RequestHead,
    read_body,
    read_head,
)

__all__ = ["LOOPBACK", "Refusal", "Request", "RequestHead", "ServerShell", "plain_refusal"]

LOOPBACK = "127.0.0.1"
DEFAULT_WORKERS = 8
DEFAULT_IDLE_TIMEOUT_S = 30.0
LINGER_S = 0.02  # how long a worker waits for a connection's next request before handing it back
LINGER_SLICE_SPARE_MS = 5  # how often it looks for queued work while more workers could start
LINGER_CLOSE_S = 0.5  # after a refusal that ends the connection, input is drained this long
LINGER_CLOSE_BYTES = 4 * 1024 * 1024  # ... or up to this much
CONNECTIONS_MAX = 256  # beyond this many open connections a new one is answered 503 and closed
_NO_BODY_STATUS = (204, 304)


Handler = Callable[[Request], HttpResponse]
Refuse = Callable[["RequestHead | None", Refusal], HttpResponse]
BodyLimit = Callable[[RequestHead], int]


def plain_refusal(head: RequestHead | None, refusal: Refusal) -> HttpResponse:
    """The default wording: status and message as plain text."""
    return HttpResponse(
        refusal.status, [("Content-Type", "text/plain")], refusal.message.encode() + b"\n"
    )


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
        listener: socket.socket | None = None,
    ) -> None:
        """``listener``: a socket already listening on 127.0.0.1 to serve (``port`` unused)."""
        self.handler = handler
        self.name = name
        self.refuse = refuse
        self.idle_timeout_s = idle_timeout_s
        self.on_error = on_error
        self._body_limit = body_limit
        # (create_server raises OSError if the port is taken)
        self._listener = listener or socket.create_server((LOOPBACK, port))
        self._listener.setblocking(False)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._port = self.address[1]
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        self._work: queue.SimpleQueue[Connection | None] = queue.SimpleQueue()
        self._returned: queue.SimpleQueue[Connection] = queue.SimpleQueue()
        self._idle: dict[socket.socket, Connection] = {}
        self._open: set[Connection] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.served = 0  # requests answered, refusals included
        self._most_workers = max(1, workers)
        self._waiting = 0  # workers started and waiting for work
        self._threads = [threading.Thread(target=self._watch, name=f"{name}-selector", daemon=True)]
        self._threads[0].start()

    @property
    def port(self) -> int:
        return self._port

    @property
    def workers(self) -> int:
        """Worker threads started so far (at most ``workers`` as given)."""
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
                        self._dispatch(connection)
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
        connection = Connection(sock, address)
        with self._lock:
            crowded = len(self._open) >= CONNECTIONS_MAX
            self._open.add(connection)
        if crowded:
            self._send_refusal(connection, None, Refusal(503, "Too many open connections", True))
            self._end(connection)
            return
        self._dispatch(connection)

    # -- the workers: one request at a time per connection ------------------------------------
    def _dispatch(self, connection: Connection) -> None:
        """Queue a connection for a worker; start another worker if every one is busy."""
        self._work.put(connection)
        with self._lock:
            start = (
                not self._closed
                and self._work.qsize() > self._waiting
                and len(self._threads) - 1 < self._most_workers
            )
            if start:
                number = len(self._threads) - 1
                thread = threading.Thread(
                    target=self._work_loop, name=f"{self.name}-worker-{number}", daemon=True
                )
                self._threads.append(thread)
                thread.start()

    def _work_loop(self) -> None:
        while True:
            with self._lock:
                self._waiting += 1
            connection = self._work.get()
            with self._lock:
                self._waiting -= 1
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

    def _serve(self, connection: Connection) -> bool:
        """Answer requests on ``connection`` while bytes are waiting; False: close it."""
        connection.sock.settimeout(self.idle_timeout_s)
        while True:
            head: RequestHead | None = None
            try:
                found = read_head(connection)
                if found is None:
                    return False  # the client closed the connection between requests
                head, keep_alive = found
                limit = (
                    self._body_limit
                    if isinstance(self._body_limit, int)
                    else self._body_limit(head)
                )
                body = read_body(connection, head, limit)
            except Refusal as refusal:
                self._send_refusal(connection, head, refusal)
                if refusal.close:
                    _lingering_close(connection)
                return not refusal.close
            except (OSError, TimeoutError):
                return False  # gone, or silent for too long in the middle of a request
            request = Request(
                head.method, head.target, head.version, head.headers, body.data,
                connection.address, self.port, body.chunks, body.trailers,
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

    def _next_request_soon(self, connection: Connection) -> bool:
        """Wait a moment for the client's next request on this connection while no other
        connection needs a worker: a client calling in a loop is then served without two
        thread hand-offs per request (to the selector and back)."""
        poller = select.poll()
        poller.register(connection.sock, select.POLLIN)
        deadline = time.monotonic() + LINGER_S
        while self._work.empty() and not self._closed:
            # While work queued meanwhile would start a worker of its own, nobody waits for
            # this one: it looks less often (every 1 ms cost a wake-up or two per request).
            spare = len(self._threads) - 1 < self._most_workers
            if poller.poll(LINGER_SLICE_SPARE_MS if spare else 1):
                return True
            if time.monotonic() > deadline:
                break
        return False

    # -- answering ------------------------------------------------------------------------------
    def _send(
        self, connection: Connection, head: RequestHead | None, response: HttpResponse,
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
        self, connection: Connection, head: RequestHead | None, refusal: Refusal
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

    def _end(self, connection: Connection) -> None:
        with self._lock:
            self._open.discard(connection)
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone
        connection.sock.close()

    def close(self) -> None:
        """Stop accepting, end every connection, join every thread, release the port."""
        with self._lock:
            if self._closed:
                return
            self._closed = True  # (under the lock: no worker starts after this)
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


def _lingering_close(connection: Connection) -> None:
    """Stop sending, then read (and drop) what the client is still sending for a moment:
    closing with unread bytes would reset the connection, and the client could lose the
    refusal it was just sent."""
    try:
        connection.sock.shutdown(socket.SHUT_WR)
        connection.sock.settimeout(LINGER_CLOSE_S)
        deadline = time.monotonic() + LINGER_CLOSE_S
        drained = 0
        while drained < LINGER_CLOSE_BYTES and time.monotonic() < deadline:
            chunk = connection.sock.recv(65536)
            if not chunk:
                break
            drained += len(chunk)
    except OSError:
        pass  # the client is gone already, or stayed silent: close now


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
    return text.replace("\r", " ").replace("\n", " ") if "\r" in text or "\n" in text else text
