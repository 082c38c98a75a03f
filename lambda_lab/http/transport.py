"""Send HTTP requests to a front door in-process, with no socket (notebooks and tests).

The request takes the same path as one arriving on a listener: the same converters,
the same ``invoke`` callable; only the TCP part is skipped. Like a real client, the
transport adds ``Host`` and ``Content-Length`` when they are missing.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterable
from typing import Any

from lambda_lab.http.common import Exchange, FrontDoor, HttpRequest, HttpResponse


class Transport:
    """``Transport(door).get("/path?x=1")`` -> :class:`Exchange` (event, payload, response)."""

    def __init__(
        self,
        door: FrontDoor,
        host: str = "localhost",
        server_port: int = 80,
        scheme: str = "http",
        client_ip: str = "127.0.0.1",
    ) -> None:
        self.door = door
        self.host = host
        self.server_port = server_port
        self.scheme = scheme
        self.client_ip = client_ip
        self.history: list[Exchange] = []

    def send(self, request: HttpRequest) -> Exchange:
        exchange = self.door.handle(request)
        self.history.append(exchange)
        return exchange

    def request(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes | str = b"",
        json: Any = None,
    ) -> Exchange:
        """``headers`` is a list of (name, value) pairs, so a name may repeat."""
        pairs = list(headers)
        if json is not None:
            body = jsonlib.dumps(json)
            if not _has(pairs, "Content-Type"):
                pairs.append(("Content-Type", "application/json"))
        data = body.encode() if isinstance(body, str) else bytes(body)
        if not _has(pairs, "Host"):
            pairs.insert(0, ("Host", self.host))
        if data and not _has(pairs, "Content-Length"):
            pairs.append(("Content-Length", str(len(data))))
        return self.send(
            HttpRequest.build(
                method,
                target,
                pairs,
                data,
                client_ip=self.client_ip,
                scheme=self.scheme,
                server_port=self.server_port,
            )
        )

    def get(self, target: str, headers: Iterable[tuple[str, str]] = ()) -> HttpResponse:
        return self.request("GET", target, headers).response

    def post(
        self,
        target: str,
        body: bytes | str = b"",
        headers: Iterable[tuple[str, str]] = (),
        json: Any = None,
    ) -> HttpResponse:
        return self.request("POST", target, headers, body, json).response


def _has(pairs: list[tuple[str, str]], name: str) -> bool:
    return any(key.lower() == name.lower() for key, _ in pairs)
