"""A WSGI application served by the shared shell (:mod:`lambda_lab.http.shell`).

The Lab's AWS endpoint is a WSGI application (moto's services behind the Lab's middleware);
this turns each :class:`~lambda_lab.http.shell.Request` into a WSGI environ, calls the
application, and gathers its answer into an :class:`~lambda_lab.http.common.HttpResponse`.
The environ holds what werkzeug's development server would give (``RAW_URI`` and
``REQUEST_URI`` with the path as sent, the whole body as ``wsgi.input``), so the
application cannot tell the difference, except that answers now keep the connection open.
"""

from __future__ import annotations

import io
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from lambda_lab.http.common import HttpResponse
from lambda_lab.http.shell import Request

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Discard(io.StringIO):
    """``wsgi.errors``: an application's stray error text goes nowhere near the learner."""

    def write(self, text: str) -> int:
        return len(text)


def environ_for(request: Request) -> dict[str, Any]:
    path, _, query = request.target.partition("?")
    if "://" in path:  # absolute-form, as sent to proxies
        parts = urllib.parse.urlsplit(request.target)
        path, query = parts.path or "/", parts.query
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "RAW_URI": request.target,
        "REQUEST_URI": request.target,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(request.server_port),
        "SERVER_PROTOCOL": request.version,
        "REMOTE_ADDR": request.client[0],
        "REMOTE_PORT": str(request.client[1]),
        "CONTENT_LENGTH": str(len(request.body)) if request.body else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": _Discard(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key not in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def wsgi_handler(app: WsgiApp) -> Callable[[Request], HttpResponse]:
    """A shell handler that answers each request with ``app``."""

    def handle(request: Request) -> HttpResponse:
        captured: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            if exc_info is not None and captured:
                raise exc_info[1].with_traceback(exc_info[2])
            captured["status"], captured["headers"] = status, headers
            return written.append

        chunks = app(environ_for(request), start_response)
        try:
            body = b"".join(written) + b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if "status" not in captured:
            raise RuntimeError("the WSGI application never called start_response")
        code, _, reason = captured["status"].partition(" ")
        return HttpResponse(int(code), list(captured["headers"]), body, reason or "")

    return handle
