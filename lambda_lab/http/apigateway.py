"""API Gateway Lambda integrations: REST APIs (payload 1.0) and HTTP APIs (2.0).

REST API (facts §8.2): reached at ``/<stage>/<path>``; stages, throttling, caching,
validation, authorizers and non-proxy integrations live in :mod:`rest_api` and
:mod:`rest_pipeline` (``RestApi`` is re-exported here). Function errors and malformed
answers are a 502, calls Lambda refuses a 500, both with
``{"message": "Internal server error"}`` (Lambda developer guide, "Handling Lambda errors
with an API Gateway API").
HTTP API (facts §8.3): the ``$default`` stage at the root; routes such as
``"GET /items/{id}"`` or ``"$default"``; every integration failure is a 500 with
``{"message":"Internal Server Error"}`` (API Gateway guide, HTTP API troubleshooting).
A route may require a JWT authorizer (:mod:`jwt_authorizers`): API Gateway checks the token
before the function and passes its claims as ``requestContext.authorizer.jwt``. Changes are
live at once, as on an HTTP API's automatically deployed ``$default`` stage.
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lambda_lab import limits
from lambda_lab.http.common import (
    Exchange,
    FrontDoorConfigError,
    HttpRequest,
    HttpResponse,
    Invoke,
    Outcome,
    call_function,
    continue_trace,
    json_response,
    new_request_id,
    stable_id,
)
from lambda_lab.http.jwt_authorizers import (
    JwtConfig,
    event_claims,
    http_api_config,
    http_api_refusal,
    judge,
    scopes_of,
)
from lambda_lab.http.payload_v1 import v1_response
from lambda_lab.http.payload_v2 import v2_event, v2_response
from lambda_lab.http.rest_api import RestApi
from lambda_lab.http.routes import Route, Router, make_route, parse_route_key

__all__ = ["HttpApi", "RestApi", "v1_response"]

_ID_ALPHABET = string.ascii_lowercase + string.digits
Jwks = Callable[[str], dict[str, Any]]  # issuer URL -> its JSON Web Key Set


@dataclass(frozen=True)
class RouteAuthorization:
    """UpdateRoute's settings: AuthorizationType, the authorizer (by name) and its scopes."""

    type: str = "NONE"
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()


class HttpApi:
    """An HTTP API with Lambda proxy routes (payload 2.0) on its ``$default`` stage."""

    def __init__(
        self,
        name: str,
        invoke: Invoke,
        *,
        stage_variables: dict[str, str] | None = None,
        region: str = limits.DEFAULT_REGION,
        account_id: str = limits.ACCOUNT_ID,
        now: Callable[[], float] = time.time,
        jwks: Jwks | None = None,
    ) -> None:
        self.name, self.invoke = name, invoke
        self.stage_variables = dict(stage_variables or {})
        self.region, self.account_id, self.now, self.jwks = region, account_id, now, jwks
        self.api_id = stable_id(account_id, region, "http", name, length=10, alphabet=_ID_ALPHABET)
        self.router = Router(allow_default=True)
        self.authorizers: dict[str, JwtConfig] = {}
        self.authorizations: dict[str, RouteAuthorization] = {}  # route key -> its settings

    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    def add_route(self, route_key: str, function_name: str, qualifier: str | None = None) -> Route:
        """``"GET /items/{id}"``, ``"ANY /{proxy+}"`` or ``"$default"``."""
        method, template = parse_route_key(route_key)
        return self.router.add(make_route(method or "ANY", template, function_name, qualifier))

    def create_authorizer(
        self,
        name: str,
        authorizer_type: str = "JWT",
        *,
        jwt_configuration: dict[str, Any] | None = None,
        identity_source: str | list[str] = "$request.header.Authorization",
    ) -> JwtConfig:
        """CreateAuthorizer: a ``JWT`` authorizer, ``jwt_configuration`` being
        ``{"Issuer": <issuer URL>, "Audience": [<accepted aud or client_id>, ...]}``. The Lab's
        issuers are its Cognito user pools, ``https://cognito-idp.<region>.amazonaws.com/<pool id>``."""
        if authorizer_type != "JWT":
            raise FrontDoorConfigError(
                f"the Lab's HTTP APIs have JWT authorizers only (got {authorizer_type!r})",
                "BadRequestException",
            )
        config = http_api_config(jwt_configuration, identity_source)
        self.authorizers[name] = config
        return config

    def update_route(
        self,
        route_key: str,
        *,
        authorization_type: str = "NONE",
        authorizer: str | None = None,
        authorization_scopes: Iterable[str] = (),
    ) -> RouteAuthorization:
        """UpdateRoute: ``authorization_type`` ``JWT`` with an ``authorizer`` made by
        :meth:`create_authorizer` and optional ``authorization_scopes`` (a token must carry one
        of them), or ``NONE``."""
        if route_key not in {route.key for route in self.router.routes()}:
            raise FrontDoorConfigError(f"no route {route_key!r}", "NotFoundException")
        if authorization_type not in ("NONE", "JWT"):
            raise FrontDoorConfigError(
                f"authorization_type must be NONE or JWT in the Lab (got {authorization_type!r})",
                "BadRequestException",
            )
        scopes = scopes_of(authorization_scopes)
        if authorization_type == "NONE" and (authorizer or scopes):
            raise FrontDoorConfigError(
                "a route with authorization type NONE takes no authorizer or scopes",
                "BadRequestException",
            )
        if authorization_type == "JWT" and authorizer not in self.authorizers:
            raise FrontDoorConfigError(
                f"no authorizer {authorizer!r}: create_authorizer() it first", "NotFoundException"
            )
        settings = RouteAuthorization(authorization_type, authorizer, scopes)
        self.authorizations[route_key] = settings
        return settings

    def handle(self, request: HttpRequest) -> Exchange:
        if len(request.body) > limits.API_GATEWAY_PAYLOAD_MAX_BYTES:
            return Exchange(
                request,
                json_response(413, {"message": "Request Entity Too Large"}),
                error_reason="RequestTooLarge",
            )
        found = self.router.find(request.method, request.path)
        if found is None:
            return Exchange(
                request,
                json_response(404, {"message": "Not Found"}),
                error_reason="NoMatchingRoute",
            )
        route, params = found
        request_id = new_request_id()
        now = self.now()
        authorizer = None
        settings = self.authorizations.get(route.key, RouteAuthorization())
        if settings.authorizer is not None:
            config = self.authorizers[settings.authorizer]
            verdict = judge(config, request.header(config.header), self._keys, now, settings.scopes)
            if verdict.status != 200:
                response = http_api_refusal(verdict, settings.scopes)
                response.headers.append(("apigw-requestid", request_id))
                return Exchange(request, response, error_reason=verdict.description)
            assert verdict.claims is not None
            scopes = list(verdict.scopes) if verdict.scopes is not None else None
            authorizer = {"jwt": {"claims": event_claims(verdict.claims), "scopes": scopes}}
        event = v2_event(
            request,
            route_key=route.key,
            stage="$default",
            api_id=self.api_id,
            domain_name=self.domain_name,
            account_id=self.account_id,
            request_id=request_id,
            trace_id=continue_trace(request, now),
            now=now,
            path_parameters=params,
            stage_variables=self.stage_variables,
            authorizer=authorizer,
        )
        outcome = call_function(self.invoke, route.function_name, event, route.qualifier)
        response, reason = _http_api_answer(outcome)
        response.headers.append(("apigw-requestid", request_id))
        return Exchange(
            request,
            response,
            event,
            outcome.payload,
            outcome.function_error,
            reason,
            route.function_name,
        )

    def _keys(self, issuer: str) -> dict[str, Any]:
        if self.jwks is None:
            raise LookupError("this HTTP API was made without a way to fetch issuers' keys")
        return self.jwks(issuer)


def _http_api_answer(outcome: Outcome) -> tuple[HttpResponse, str | None]:
    internal = {"message": "Internal Server Error"}
    if outcome.rejected_code is not None:
        return json_response(500, internal), outcome.rejected_code
    if outcome.duration_ms is not None and outcome.duration_ms > limits.HTTP_API_TIMEOUT_S * 1000:
        # UNCONFIRMED body: AWS documents the 30 s limit and a 5xx, not the exact text.
        return json_response(504, {"message": "Service Unavailable"}), "IntegrationTimeout"
    if outcome.function_error is not None:
        return json_response(500, internal), "Lambda function error"
    assert outcome.payload is not None  # an outcome is rejected, failed or has a payload
    response = v2_response(outcome.payload)
    if response is None:
        return json_response(500, internal), "Malformed Lambda response"
    return response, None
