"""HTTP front doors to Lambda functions: ALB target groups, API Gateway, function URLs.

Each door is a pure converter around the Lab's ``invoke`` callable; a :class:`Listener`
serves it on 127.0.0.1 and a :class:`Transport` calls it with no socket at all. A Lab
serves its doors as :class:`ServedDoor` objects (``lab.alb()``, ``lab.http_api()``,
``lab.rest_api_gateway()``, function URLs), which do both.
"""

from __future__ import annotations

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
