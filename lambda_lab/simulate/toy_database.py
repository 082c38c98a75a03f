"""A toy database and a toy RDS Proxy on loopback, so real functions can run out of
connections in a notebook.

The database accepts at most ``max_connections`` TCP connections at a time; one more is
answered ``ERR too many connections`` and closed, as PostgreSQL and MySQL refuse a client
over their limit. The proxy accepts any number of clients and keeps a pool of at most
``max_connections_percent`` % of the database's limit; it lends a pooled connection for
one query and takes it back (no session pinning), so clients wait instead of being refused.

The protocol is one line each way: the server greets with ``OK`` (or ``ERR ...``); each
``QUERY <text>`` gets ``ROW <text>`` after ``query_seconds``. Both listen on 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from typing import Any

LOOPBACK = "127.0.0.1"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Counted:
    """Connection counts: now, the most at once, and how many were refused."""

    def __init__(self) -> None:
        self.current = self.peak = self.refused = self.opened = 0
        self.lock = threading.Lock()

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {
                "current": self.current,
                "peak": self.peak,
                "opened": self.opened,
                "refused": self.refused,
            }


class ToyDatabase(_Counted):
    def __init__(self, max_connections: int, query_seconds: float = 0.2) -> None:
        super().__init__()
        if max_connections < 1:
            raise ValueError(f"max_connections must be >= 1 (got {max_connections})")
        self.max_connections, self.query_seconds = max_connections, query_seconds
        database = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                if not database._admit():
                    self.wfile.write(b"ERR too many connections\n")
                    return
                try:
                    self.wfile.write(b"OK\n")
                    for line in self.rfile:
                        if not line.startswith(b"QUERY"):
                            break
                        time.sleep(database.query_seconds)
                        self.wfile.write(b"ROW" + line[len(b"QUERY") :])
                finally:
                    database._leave()

        self._server = _Server((LOOPBACK, 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, name="toy-database", daemon=True
        ).start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _admit(self) -> bool:
        with self.lock:
            if self.current >= self.max_connections:
                self.refused += 1
                return False
            self.current += 1
            self.opened += 1
            self.peak = max(self.peak, self.current)
            return True

    def _leave(self) -> None:
        with self.lock:
            self.current -= 1

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class ToyProxy(_Counted):
    """Counts its *client* connections; ``database.stats()`` shows what reaches the database."""

    def __init__(self, database: ToyDatabase, max_connections_percent: int = 100) -> None:
        super().__init__()
        self.database = database
        self.pool_size = max(1, database.max_connections * max_connections_percent // 100)
        self._idle: list[Any] = []  # open upstream connections (file objects) not lent now
        self._upstreams: list[tuple[socket.socket, Any]] = []  # every one, closed at the end
        self._open = 0
        self._available = threading.Condition()
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                proxy._client(+1)
                try:
                    self.wfile.write(b"OK\n")
                    for line in self.rfile:
                        if not line.startswith(b"QUERY"):
                            break
                        self.wfile.write(proxy._query(line))
                finally:
                    proxy._client(-1)

        self._server = _Server((LOOPBACK, 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="toy-proxy", daemon=True).start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def _client(self, change: int) -> None:
        with self.lock:
            self.current += change
            if change > 0:
                self.opened += 1
                self.peak = max(self.peak, self.current)

    def _query(self, line: bytes) -> bytes:
        upstream = self._borrow()
        try:
            upstream.write(line)
            upstream.flush()
            return bytes(upstream.readline())
        finally:
            with self._available:
                self._idle.append(upstream)
                self._available.notify()

    def _borrow(self) -> Any:
        with self._available:
            while not self._idle and self._open >= self.pool_size:
                self._available.wait()  # the borrow timeout (120 s on AWS) is not modelled
            if self._idle:
                return self._idle.pop()
            self._open += 1
        connection = socket.create_connection((LOOPBACK, self.database.port))
        stream = connection.makefile("rwb")
        with self._available:
            self._upstreams.append((connection, stream))
        greeting = stream.readline()
        if not greeting.startswith(b"OK"):
            raise ConnectionError(greeting.decode().strip())
        return stream

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        with self._available:
            for connection, stream in self._upstreams:
                stream.close()
                connection.close()
            self._upstreams.clear()
            self._idle.clear()
