"""A real HTTP listener on loopback for one front door (load balancer, API or function URL).

The sockets are the shared shell (:mod:`lambda_lab.http.shell`: a bounded pool of worker
threads, keep-alive, TCP_NODELAY, idle timeouts, framing checked before any work); each
request is handed to ``door.handle`` and its answer written back.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit

from lambda_lab import limits
from lambda_lab.http.common import FrontDoor, FrontDoorConfigError, HttpRequest, HttpResponse
from lambda_lab.http.shell import LOOPBACK, Refusal, Request, RequestHead, ServerShell

WORKERS = 16  # requests served at once by one door; more clients wait their turn
IDLE_CONNECTION_S = 30  # a keep-alive connection with no request for this long is closed
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
_REFUSALS = {413: b"Request Entity Too Large"}


class Listener:
    """Serves ``door`` on ``http://127.0.0.1:<port>/`` from a background thread."""

    def __init__(self, door: FrontDoor, port: int = 0, host: str = LOOPBACK) -> None:
        if host != LOOPBACK:
            raise FrontDoorConfigError(
                f"listeners bind to {LOOPBACK} only, never beyond this machine (got {host!r})"
            )
        self.door = door
        self.errors: list[BaseException] = []  # front-door crashes, answered with a 500
        self._shell = ServerShell(
            self._answer,
            name=f"lambda-lab-http-{door.name}",
            port=port,
            body_limit=_BODY_MAX_BYTES,
            refuse=_refusal,
            workers=WORKERS,
            idle_timeout_s=IDLE_CONNECTION_S,
            on_error=self.errors.append,
        )

    def _answer(self, incoming: Request) -> HttpResponse:
        target = incoming.target
        if "://" in target.split("?", 1)[0]:  # absolute-form, as sent to proxies
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        request = HttpRequest.build(
            incoming.method,
            target,
            incoming.headers,
            incoming.body,
            client_ip=incoming.client[0],
            client_port=incoming.client[1],
            server_port=incoming.server_port,
            protocol=incoming.version,
        )
        try:
            return self.door.handle(request).response
        except Exception as exc:  # noqa: BLE001 - a converter bug must not stop the listener
            self.errors.append(exc)
            return HttpResponse(
                500,
                [("Content-Type", "text/plain")],
                f"lambda-lab front door error: {exc!r}".encode(),
            )

    @property
    def port(self) -> int:
        return self._shell.port

    @property
    def shell(self) -> ServerShell:
        """The socket shell (its worker count, open connections, requests served)."""
        return self._shell

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
        return self._shell.closed

    def close(self) -> None:
        """Stop accepting, end open connections, join every thread, release the port."""
        self._shell.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.local_url
        return f"<Listener {self.door.name!r} {state}>"


def _refusal(head: RequestHead | None, refusal: Refusal) -> HttpResponse:
    """What a load balancer answers a request it cannot read: the status, a short page."""
    body = _REFUSALS.get(refusal.status) or refusal.message.encode("latin-1", "replace")
    return HttpResponse(refusal.status, [("Content-Type", "text/plain")], body)


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
