"""HTTP front doors to Lambda functions: ALB target groups, API Gateway, function URLs.

Each door is a pure converter around the Lab's ``invoke`` callable; a :class:`Listener`
serves it on 127.0.0.1 and a :class:`Transport` calls it with no socket at all.
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
    "TargetGroup",
    "Transport",
    "public_url",
]
