"""Front doors a Lab serves: each on its own loopback listener and, with no socket, in-process.

What the Lab's ``alb()``, ``http_api()``, ``rest_api_gateway()`` and function URLs return.
Every trip through a door, from a browser or from :meth:`ServedDoor.request`, is kept in
``exchanges`` so a lesson can show the event that a browser's click became.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, TextIO

from lambda_lab.http.alb import MULTI_VALUE_ATTRIBUTE, LoadBalancer, TargetGroup
from lambda_lab.http.apigateway import HttpApi, RestApi
from lambda_lab.http.common import Exchange, FrontDoor, HttpRequest, stable_id
from lambda_lab.http.server import Listener
from lambda_lab.http.transport import Transport

HISTORY = 100  # exchanges kept per door: enough to look back, bounded for a long session


class ServedDoor:
    """A front door on ``http://127.0.0.1:<port>/`` and in-process, recording each exchange."""

    def __init__(self, door: FrontDoor, port: int = 0) -> None:
        self.door = door
        self.name = door.name
        self.exchanges: deque[Exchange] = deque(maxlen=HISTORY)
        self.listener = Listener(self, port)  # the listener calls self.handle, so it records too
        self._transport = Transport(
            self, host=f"127.0.0.1:{self.listener.port}", server_port=self.listener.port
        )

    # -- what the listener and the transport call ------------------------------------------------
    def handle(self, request: HttpRequest) -> Exchange:
        exchange = self.door.handle(request)
        self.exchanges.append(exchange)
        return exchange

    @property
    def base_path(self) -> str:
        """Where the door starts on its host: ``/`` or a REST API's ``/<stage>/``."""
        return str(getattr(self.door, "base_path", "/"))

    # -- where it answers ----------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.listener.port

    @property
    def url(self) -> str:
        """The URL a browser opens (through the Jupyter server's proxy when there is one)."""
        return self.listener.url

    @property
    def local_url(self) -> str:
        """``http://127.0.0.1:<port>/...``: what code on this machine (requests, curl) calls."""
        return self.listener.local_url + self.base_path.lstrip("/")

    def print_url(self, file: TextIO | None = None) -> None:
        """Print where the door answers: the browser's URL, and loopback when that differs."""
        self.listener.print_url(file)

    # -- in-process requests -------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str = "/",
        headers: Iterable[tuple[str, str]] = (),
        body: bytes | str = b"",
        json: Any = None,
    ) -> Exchange:
        """Send a request with no socket; ``path`` is relative to :attr:`base_path`.

        ``headers`` is a list of (name, value) pairs, so a name may repeat.
        """
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/' (got {path!r})")
        return self._transport.request(
            method, self.base_path.rstrip("/") + path, headers, body, json=json
        )

    @property
    def last(self) -> Exchange | None:
        """The most recent exchange, whichever way the request came."""
        return self.exchanges[-1] if self.exchanges else None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self.listener.closed

    def close(self) -> None:
        """Stop the listener (requests in flight finish first)."""
        self.listener.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.local_url
        return f"<{type(self).__name__} {self.name!r} {state}>"


class ServedLoadBalancer(ServedDoor):
    """An internet-facing ALB whose HTTP listener forwards to one Lambda target group."""

    door: LoadBalancer

    @property
    def load_balancer(self) -> LoadBalancer:
        return self.door

    @property
    def target_group(self) -> TargetGroup:
        """The default action's target group (the one the Lab created with the balancer)."""
        return self.door.default

    @property
    def arn(self) -> str:
        suffix = stable_id(self.name, self.target_group.region, length=16)
        return (
            f"arn:aws:elasticloadbalancing:{self.target_group.region}:"
            f"{self.target_group.account_id}:loadbalancer/app/{self.name}/{suffix}"
        )

    @property
    def dns_name(self) -> str:
        """The name AWS would give it (the Lab answers on :attr:`url` instead)."""
        number = stable_id(self.name, length=10, alphabet="0123456789")
        return f"{self.name}-{number}.{self.target_group.region}.elb.amazonaws.com"

    @property
    def multi_value_headers(self) -> bool:
        return self.target_group.multi_value_headers

    @multi_value_headers.setter
    def multi_value_headers(self, enabled: bool) -> None:
        """Sets the target group attribute ``lambda.multi_value_headers.enabled``."""
        self.target_group.set_attribute(MULTI_VALUE_ATTRIBUTE, enabled)

    def check_health(self) -> dict[str, Any]:
        """One health check of the default target group (DescribeTargetHealth's shape)."""
        return self.door.check_health()


class ServedApi(ServedDoor):
    """An API Gateway API (REST, payload 1.0, or HTTP, payload 2.0) deployed to one stage."""

    door: RestApi | HttpApi

    @property
    def api_id(self) -> str:
        return self.door.api_id

    @property
    def invoke_url(self) -> str:
        """The invoke URL AWS would give this stage (the Lab answers on :attr:`url` instead)."""
        stage = self.door.stage if isinstance(self.door, RestApi) else ""
        return f"https://{self.door.domain_name}/{stage}"


class ServedHttpApi(ServedApi):
    """An HTTP API on ``http://127.0.0.1:<port>/``: its ``$default`` stage, always deployed."""

    door: HttpApi

    @property
    def api(self) -> HttpApi:
        """The API's routes and authorizers (``create_authorizer``, ``update_route``)."""
        return self.door
