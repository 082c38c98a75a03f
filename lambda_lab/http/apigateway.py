"""API Gateway Lambda proxy integrations: REST APIs (payload 1.0) and HTTP APIs (2.0).

REST API (facts §8.2): reached at ``/<stage>/<path>``; the event has both single- and
multi-value headers and query parameters; the function must answer with a proxy
response document. Function errors and malformed answers are a 502, calls Lambda
refuses a 500, both with ``{"message": "Internal server error"}`` (Lambda developer
guide, "Handling Lambda errors with an API Gateway API").
HTTP API (facts §8.3): the ``$default`` stage at the root; routes such as
``"GET /items/{id}"`` or ``"$default"``; every integration failure is a 500 with
``{"message":"Internal Server Error"}`` (API Gateway guide, HTTP API troubleshooting).
"""

from __future__ import annotations

import json
import string
import time
from collections.abc import Callable
from typing import Any

from lambda_lab import limits
from lambda_lab.http.common import (
    HOP_BY_HOP,
    Exchange,
    HttpRequest,
    HttpResponse,
    Invoke,
    Outcome,
    call_function,
    clf_time,
    continue_trace,
    decode_base64,
    encode_body,
    forwarded_headers,
    group_headers,
    group_pairs,
    json_response,
    media_type,
    new_request_id,
    parse_payload,
    split_query,
    stable_id,
)
from lambda_lab.http.payload_v2 import v2_event, v2_response
from lambda_lab.http.routes import Route, Router, make_route, parse_route_key

_ID_ALPHABET = string.ascii_lowercase + string.digits


class RestApi:
    """A REST API whose methods use Lambda proxy integration, deployed to one stage."""

    def __init__(
        self,
        name: str,
        invoke: Invoke,
        stage: str = "prod",
        *,
        binary_media_types: tuple[str, ...] = (),
        stage_variables: dict[str, str] | None = None,
        region: str = limits.DEFAULT_REGION,
        account_id: str = limits.ACCOUNT_ID,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.name, self.invoke, self.stage = name, invoke, stage
        self.binary_media_types = tuple(binary_media_types)
        self.stage_variables = dict(stage_variables or {})
        self.region, self.account_id, self.now = region, account_id, now
        self.api_id = stable_id(account_id, region, "rest", name, length=10, alphabet=_ID_ALPHABET)
        self.router = Router(allow_default=False)

    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def base_path(self) -> str:
        """Where the API starts on its host: the stage (AWS's invoke URL ends with it)."""
        return f"/{self.stage}/"

    def add_route(
        self, method: str, resource: str, function_name: str, qualifier: str | None = None
    ) -> Route:
        """Method + resource path (``/items/{id}``, ``/{proxy+}``), ``ANY`` for all methods."""
        return self.router.add(make_route(method, resource, function_name, qualifier))

    def handle(self, request: HttpRequest) -> Exchange:
        prefix = f"/{self.stage}"
        if request.path != prefix and not request.path.startswith(prefix + "/"):
            return Exchange(
                request,
                _rest_error(403, "Forbidden", "ForbiddenException"),
                error_reason="UnknownStage",
            )
        path = request.path[len(prefix) :] or "/"
        if len(request.body) > limits.API_GATEWAY_PAYLOAD_MAX_BYTES:
            return Exchange(
                request,
                _rest_error(413, "Request Too Long", "RequestTooLarge"),
                error_reason="RequestTooLarge",
            )
        found = self.router.find(request.method, path)
        if found is None:
            return Exchange(
                request,
                _rest_error(
                    403, "Missing Authentication Token", "MissingAuthenticationTokenException"
                ),
                error_reason="NoMatchingRoute",
            )
        route, params = found
        request_id = new_request_id()
        event = self.event(request, path, route, params, request_id)
        outcome = call_function(self.invoke, route.function_name, event, route.qualifier)
        response, reason = self._answer(outcome, request)
        response.headers.append(("x-amzn-RequestId", request_id))
        return Exchange(
            request,
            response,
            event,
            outcome.payload,
            outcome.function_error,
            reason,
            route.function_name,
        )

    def event(
        self, request: HttpRequest, path: str, route: Route, params: dict[str, str], request_id: str
    ) -> dict[str, Any]:
        """The payload 1.0 event for ``request`` (``path`` is the part after the stage)."""
        now = self.now()
        headers = group_headers(
            forwarded_headers(request, continue_trace(request, now)), lower=False
        )
        query = group_pairs(split_query(request.query, decode=True))
        as_text = not _is_binary(request.header("Content-Type"), self.binary_media_types)
        body, is_base64 = encode_body(request.body, as_text)
        identity = dict.fromkeys(
            (
                "cognitoIdentityPoolId",
                "accountId",
                "cognitoIdentityId",
                "caller",
                "apiKey",
                "principalOrgId",
                "accessKey",
                "cognitoAuthenticationType",
                "cognitoAuthenticationProvider",
                "userArn",
                "user",
            )
        )
        identity.update(sourceIp=request.client_ip, userAgent=request.header("User-Agent"))
        return {
            "resource": route.template,
            "path": path,
            "httpMethod": request.method,
            "headers": {k: v[-1] for k, v in headers.items()} or None,
            "multiValueHeaders": headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": params or None,
            "stageVariables": self.stage_variables or None,
            "requestContext": {
                "resourceId": stable_id(
                    self.api_id, route.template, length=6, alphabet=_ID_ALPHABET
                ),
                "resourcePath": route.template,
                "httpMethod": request.method,
                "extendedRequestId": stable_id(
                    request_id, length=16, alphabet=string.ascii_letters + string.digits
                )
                + "=",
                "requestTime": clf_time(now),
                "path": f"/{self.stage}{path}",
                "accountId": self.account_id,
                "protocol": request.protocol,
                "stage": self.stage,
                "domainPrefix": self.api_id,
                "requestTimeEpoch": int(now * 1000),
                "requestId": request_id,
                "identity": identity,
                "domainName": self.domain_name,
                "apiId": self.api_id,
            },
            "body": body if request.body else None,
            "isBase64Encoded": is_base64,
        }

    def _answer(self, outcome: Outcome, request: HttpRequest) -> tuple[HttpResponse, str | None]:
        if outcome.rejected_code is not None:
            return _rest_error(500, "Internal server error"), outcome.rejected_code
        if (
            outcome.duration_ms is not None
            and outcome.duration_ms > limits.API_GATEWAY_TIMEOUT_S * 1000
        ):
            return _rest_error(504, "Endpoint request timed out"), "IntegrationTimeout"
        if outcome.function_error is not None:
            return _rest_error(502, "Internal server error"), "Lambda function error"
        assert outcome.payload is not None  # an outcome is rejected, failed or has a payload
        accept = (request.header("Accept") or "").split(",")[0]
        response = v1_response(outcome.payload, self.binary_media_types, accept)
        if response is None:
            return _rest_error(502, "Internal server error"), "Malformed Lambda proxy response"
        return response, None


def v1_response(
    payload: bytes, binary_media_types: tuple[str, ...] = (), accept: str = ""
) -> HttpResponse | None:
    """The HTTP response for a proxy response document, or None when it is malformed.

    ``headers`` and ``multiValueHeaders`` merge (the multi-value list wins for a name in
    both). A base64 body is decoded only when the client's first Accept type is one of the
    API's binary media types; otherwise the client gets the base64 text.
    """
    ok, document = parse_payload(payload)
    if not ok or not isinstance(document, dict):
        return None
    status = document.get("statusCode")
    if isinstance(status, str) and status.isascii() and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    single = document.get("headers") or {}
    multi = document.get("multiValueHeaders") or {}
    body_text = document.get("body")
    encoded = document.get("isBase64Encoded", False)
    if (
        not isinstance(single, dict)
        or not isinstance(multi, dict)
        or not all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in single.values()
        )
        or not all(isinstance(v, list) for v in multi.values())
        or (body_text is not None and not isinstance(body_text, str))
        or not isinstance(encoded, bool)
    ):
        return None
    merged: dict[str, list[str]] = {name: [str(value)] for name, value in single.items()}
    merged.update({name: [str(v) for v in values] for name, values in multi.items()})
    pairs = [
        (name, value)
        for name, values in merged.items()
        for value in values
        if name.lower() not in HOP_BY_HOP | {"content-length"}
    ]
    if not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.append(("Content-Type", "application/json"))  # REST APIs' default
    body = (body_text or "").encode()
    if encoded and body_text and _is_binary(accept, binary_media_types):
        decoded = decode_base64(body_text)
        if decoded is None:
            return None
        body = decoded
    return HttpResponse(status, pairs, body)


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


def _rest_error(
    status: int, message: str, error_type: str = "InternalServerErrorException"
) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return HttpResponse(
        status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)], body
    )


def _is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    kind = media_type(content_type)
    for pattern in binary_media_types:
        if pattern == "*/*" and kind:
            return True
        major, _, minor = pattern.lower().partition("/")
        if kind and (pattern.lower() == kind or (minor == "*" and kind.startswith(major + "/"))):
            return True
    return False
