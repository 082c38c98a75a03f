"""HTTP front doors to Lambda functions: ALB target groups, API Gateway, function URLs.

Each door is a pure converter around the Lab's ``invoke`` callable; a :class:`Listener`
serves it on 127.0.0.1 and a :class:`Transport` calls it with no socket at all. A Lab
serves its doors as :class:`ServedDoor` objects (``lab.alb()``, ``lab.http_api()``,
``lab.rest_api_gateway()``, function URLs), which do both.

The names below are imported on first use: a module of this package that the invoke path
needs (``http.common``, ``http.shell``) must not load every door with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambda_lab.http.alb import LoadBalancer, TargetGroup
    from lambda_lab.http.apigateway import HttpApi, RestApi
    from lambda_lab.http.common import (
        Exchange,
        FrontDoor,
        FrontDoorConfigError,
        HttpRequest,
        HttpResponse,
    )
    from lambda_lab.http.function_urls import FunctionUrl
    from lambda_lab.http.served import ServedApi, ServedDoor, ServedLoadBalancer
    from lambda_lab.http.server import Listener, public_url
    from lambda_lab.http.transport import Transport

__all__ = [
    "Exchange",
    "FrontDoor",
    "FrontDoorConfigError",
    "FunctionUrl",
    "HttpApi",
    "HttpRequest",
    "HttpResponse",
    "Listener",
    "LoadBalancer",
    "RestApi",
    "ServedApi",
    "ServedDoor",
    "ServedLoadBalancer",
    "TargetGroup",
    "Transport",
    "public_url",
]

_HOMES = {
    "LoadBalancer": "alb",
    "TargetGroup": "alb",
    "HttpApi": "apigateway",
    "RestApi": "apigateway",
    "Exchange": "common",
    "FrontDoor": "common",
    "FrontDoorConfigError": "common",
    "HttpRequest": "common",
    "HttpResponse": "common",
    "FunctionUrl": "function_urls",
    "ServedApi": "served",
    "ServedDoor": "served",
    "ServedLoadBalancer": "served",
    "Listener": "server",
    "public_url": "server",
    "Transport": "transport",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'lambda_lab.http' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
