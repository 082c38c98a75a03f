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
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable

from lambda_lab import limits
from lambda_lab.http.common import (
    Exchange,
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
from lambda_lab.http.payload_v1 import v1_response
from lambda_lab.http.payload_v2 import v2_event, v2_response
from lambda_lab.http.rest_api import RestApi
from lambda_lab.http.routes import Route, Router, make_route, parse_route_key

__all__ = ["HttpApi", "RestApi", "v1_response"]

_ID_ALPHABET = string.ascii_lowercase + string.digits


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
    ) -> None:
        self.name, self.invoke = name, invoke
        self.stage_variables = dict(stage_variables or {})
        self.region, self.account_id, self.now = region, account_id, now
        self.api_id = stable_id(account_id, region, "http", name, length=10, alphabet=_ID_ALPHABET)
        self.router = Router(allow_default=True)

    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    def add_route(self, route_key: str, function_name: str, qualifier: str | None = None) -> Route:
        """``"GET /items/{id}"``, ``"ANY /{proxy+}"`` or ``"$default"``."""
        method, template = parse_route_key(route_key)
        return self.router.add(make_route(method or "ANY", template, function_name, qualifier))

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
