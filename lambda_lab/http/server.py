"""A real HTTP listener on loopback for one front door (load balancer, API or function URL).

Sockets are the thin shell: each request is read, handed to ``door.handle`` and the
answer written back in a single ``sendall`` (measured here: separate writes for head and
body cost 44 ms a request through Nagle's algorithm and delayed ACKs).
"""

from __future__ import annotations

import email.utils
import glob
import importlib.util
import json
import os
import socket
import sys
import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import urlsplit

from lambda_lab import limits
from lambda_lab.http.common import FrontDoor, FrontDoorConfigError, HttpRequest, HttpResponse

LOOPBACK = "127.0.0.1"
_IDLE_CONNECTION_S = 30  # a keep-alive connection with no request for this long is closed
# Bodies up to one byte over the largest door limit are read, so each door still answers
# its own 413; anything larger is refused here, before a byte of it is held in memory.
_BODY_MAX_BYTES = (
    max(
        limits.ALB_REQUEST_BODY_MAX_BYTES,
        limits.API_GATEWAY_PAYLOAD_MAX_BYTES,
        limits.SYNC_PAYLOAD_MAX_BYTES,
    )
    + 1
)


class _BodyTooLarge(Exception):
    """The request announced (or sent) more than ``_BODY_MAX_BYTES``."""


class Listener:
    """Serves ``door`` on ``http://127.0.0.1:<port>/`` from a background thread."""

    def __init__(self, door: FrontDoor, port: int = 0, host: str = LOOPBACK) -> None:
        if host != LOOPBACK:
            raise FrontDoorConfigError(
                f"listeners bind to {LOOPBACK} only, never beyond this machine (got {host!r})"
            )
        self.door = door
        self.errors: list[BaseException] = []  # front-door crashes, answered with a 500
        self._server = _Server((host, port), _Handler)
        self._server.listener = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"lambda-lab-http-{door.name}",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def local_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    @property
    def url(self) -> str:
        """The URL that opens this door from the learner's browser (see public_url); for a
        REST API it includes the stage, as AWS's invoke URL does."""
        return public_url(self.port) + getattr(self.door, "base_path", "/").lstrip("/")

    def print_url(self, file: TextIO | None = None) -> None:
        """Say where the door answers: the browser's URL, and loopback when that differs."""
        line = f"{self.door.name}: {self.url}"
        local = self.local_url + getattr(self.door, "base_path", "/").lstrip("/")
        if local != self.url:
            line += f"  (from this machine: {local})"
        print(line, file=file or sys.stdout)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop accepting, end open connections, join every thread, release the port."""
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else self.local_url
        return f"<Listener {self.door.name!r} {state}>"


class _Server(ThreadingHTTPServer):
    """One thread per connection, all tracked: close() wakes and joins every one.

    The threads are daemons (the stdlib then stops tracking them, hence our own list), so
    a listener someone forgot to close never holds up the interpreter's exit.
    """

    listener: Listener

    def __init__(self, *args: Any) -> None:
        self._open: set[socket.socket] = set()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        super().__init__(*args)

    def process_request(self, request: Any, client_address: Any) -> None:
        worker = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"lambda-lab-http-{self.listener.door.name}-connection",
            daemon=True,
        )
        with self._lock:
            self._open.add(request)
            self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal; anything else is kept, not printed."""
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):
            self.listener.errors.append(error)

    def close_connections(self) -> None:
        """Wake the threads waiting on idle keep-alive connections, then join them all."""
        with self._lock:
            for conn in self._open:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the peer already went away
            workers = list(self._workers)
        for worker in workers:
            worker.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = _IDLE_CONNECTION_S
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a notebook must not fill with one access-log line per request."""

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BodyTooLarge:
            self.close_connection = True  # the rest of the body is never read
            self._send(
                HttpResponse(413, [("Content-Type", "text/plain")], b"Request Entity Too Large")
            )
            return
        if body is None:
            self._send(HttpResponse(400, [("Content-Type", "text/plain")], b"Bad Request"))
            return
        target = self.path
        if "://" in target.split("?", 1)[0]:  # absolute-form, as sent to proxies
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = HttpRequest.build(
            self.command,
            target,
            list(self.headers.items()),
            body,
            client_ip=self.client_address[0],
            client_port=self.client_address[1],
            server_port=self.server.server_address[1],
            protocol=self.request_version,
        )
        try:
            response = self.server.listener.door.handle(request).response
        except Exception as exc:  # noqa: BLE001 - a converter bug must not stop the listener
            self.server.listener.errors.append(exc)
            response = HttpResponse(
                500,
                [("Content-Type", "text/plain")],
                f"lambda-lab front door error: {exc!r}".encode(),
            )
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _read_body(self) -> bytes | None:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not (length.isascii() and length.isdigit()):  # "²".isdigit() is true, int("²") fails
            return None
        if int(length) > _BODY_MAX_BYTES:
            raise _BodyTooLarge
        return self.rfile.read(int(length))

    def _read_chunked(self) -> bytes | None:
        chunks = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                return None
            if size < 0:  # int("-5", 16) parses, and read(-5) would read to the end
                return None
            total += size
            if total > _BODY_MAX_BYTES:
                raise _BodyTooLarge
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(16)  # the CRLF after each chunk

    def _send(self, response: HttpResponse) -> None:
        lines = [f"HTTP/1.1 {response.status} {_one_line(response.reason)}"]
        # A function cannot smuggle extra header lines (or a second response) into the stream.
        lines += [f"{_one_line(name)}: {_one_line(value)}" for name, value in response.headers]
        lines += [
            f"Date: {email.utils.formatdate(usegmt=True)}",
            f"Content-Length: {len(response.body)}",
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace")
        self.wfile.write(head if self.command == "HEAD" else head + response.body)


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


# -- where the learner's browser can reach a port -----------------------------------------------


def public_url(
    port: int,
    environ: Mapping[str, str] | None = None,
    servers: Iterable[Mapping[str, Any]] | None = None,
    server_proxy: bool | None = None,
) -> str:
    """The URL of a loopback port as the learner's browser can open it.

    Under a Jupyter server with jupyter-server-proxy (JupyterHub, Binder, a local
    JupyterLab) that is ``<server base URL>proxy/<port>/``, which the browser already
    reaches; elsewhere ``http://127.0.0.1:<port>/``. On a hub that does not publish its
    public address the result is a path (``/user/name/proxy/8000/``), which works as a
    link in the notebook page.
    """
    env = os.environ if environ is None else environ
    if server_proxy is None:
        server_proxy = importlib.util.find_spec("jupyter_server_proxy") is not None
    base = _jupyter_base_url(env, servers) if server_proxy else None
    if base is None:
        return f"http://{LOOPBACK}:{port}/"
    return f"{base.rstrip('/')}/proxy/{port}/"


def _jupyter_base_url(
    env: Mapping[str, str], servers: Iterable[Mapping[str, Any]] | None
) -> str | None:
    if env.get("JUPYTERHUB_PUBLIC_URL"):  # JupyterHub >= 5: this server's public URL
        return env["JUPYTERHUB_PUBLIC_URL"]
    if env.get("JUPYTERHUB_SERVICE_PREFIX"):
        return env.get("JUPYTERHUB_HOST", "").rstrip("/") + env["JUPYTERHUB_SERVICE_PREFIX"]
    if env.get("JUPYTER_SERVER_URL"):
        return env["JUPYTER_SERVER_URL"]
    parent = env.get("JPY_PARENT_PID")  # set in every kernel a Jupyter server starts
    if not parent:
        return None
    for info in servers if servers is not None else _running_servers(env):
        if str(info.get("pid")) == parent and info.get("url"):
            return str(info["url"])
    return None


def _running_servers(env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The jpserver-*.json files Jupyter servers write into the runtime directory."""
    from jupyter_core.paths import jupyter_runtime_dir

    found = []
    for path in glob.glob(
        os.path.join(env.get("JUPYTER_RUNTIME_DIR") or jupyter_runtime_dir(), "jpserver-*.json")
    ):
        try:
            with open(path, encoding="utf-8") as handle:
                found.append(json.load(handle))
        except (OSError, ValueError):
            continue  # a server starting or stopping right now
    return found
