"""The JSON a REST API hands to Lambda: the proxy event (payload 1.0) and the REQUEST
authorizer's event, built from one :class:`RequestFacts`.

Payload 1.0 (facts §8.2): single- and multi-value headers and query parameters, path
parameters, stage variables, the body (base64 for binary media types) and a
``requestContext`` with the stage, the resource, the caller's identity and, after an
authorizer, what it returned (``requestContext.authorizer``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.http.common import (
    HttpRequest,
    clf_time,
    continue_trace,
    encode_body,
    forwarded_headers,
    group_headers,
    group_pairs,
    media_type,
    split_query,
    stable_id,
)

ID_ALPHABET = string.ascii_lowercase + string.digits
_IDENTITY_KEYS = (
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


@dataclass
class RequestFacts:
    """One request as the API sees it after routing."""

    request: HttpRequest
    path: str  # after the stage
    resource: str  # the route's template, "/items/{id}"
    path_parameters: dict[str, str]
    request_id: str
    stage: str
    stage_variables: dict[str, str]
    api_id: str
    account_id: str
    domain_name: str
    now: float
    identity: dict[str, Any] = field(default_factory=dict)  # apiKey, userArn... when known

    @property
    def resource_id(self) -> str:
        return stable_id(self.api_id, self.resource, length=6, alphabet=ID_ALPHABET)

    def request_context(self, authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
        identity: dict[str, Any] = dict.fromkeys(_IDENTITY_KEYS)
        identity.update(
            sourceIp=self.request.client_ip, userAgent=self.request.header("User-Agent")
        )
        identity.update(self.identity)
        context: dict[str, Any] = {
            "resourceId": self.resource_id,
            "resourcePath": self.resource,
            "httpMethod": self.request.method,
            "extendedRequestId": stable_id(
                self.request_id, length=16, alphabet=string.ascii_letters + string.digits
            )
            + "=",
            "requestTime": clf_time(self.now),
            "path": f"/{self.stage}{self.path}",
            "accountId": self.account_id,
            "protocol": self.request.protocol,
            "stage": self.stage,
            "domainPrefix": self.api_id,
            "requestTimeEpoch": int(self.now * 1000),
            "requestId": self.request_id,
            "identity": identity,
            "domainName": self.domain_name,
            "apiId": self.api_id,
        }
        if authorizer is not None:
            context["authorizer"] = authorizer
        return context

    def headers(self) -> dict[str, list[str]]:
        trace = continue_trace(self.request, self.now)
        return group_headers(forwarded_headers(self.request, trace), lower=False)

    def query(self) -> dict[str, list[str]]:
        return group_pairs(split_query(self.request.query, decode=True))


def proxy_event(
    facts: RequestFacts,
    binary_media_types: tuple[str, ...] = (),
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Lambda proxy integration's event for one request."""
    headers, query = facts.headers(), facts.query()
    request = facts.request
    as_text = not is_binary(request.header("Content-Type"), binary_media_types)
    body, is_base64 = encode_body(request.body, as_text)
    return {
        "resource": facts.resource,
        "path": facts.path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in headers.items()} or None,
        "multiValueHeaders": headers or None,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": facts.path_parameters or None,
        "stageVariables": facts.stage_variables or None,
        "requestContext": facts.request_context(authorizer),
        "body": body if request.body else None,
        "isBase64Encoded": is_base64,
    }


def request_authorizer_event(facts: RequestFacts, method_arn: str) -> dict[str, Any]:
    """The event of a REQUEST Lambda authorizer (API Gateway guide, "Input to a Lambda
    authorizer"): the request's parameters, stage variables and context; no body."""
    headers, query = facts.headers(), facts.query()
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": facts.resource,
        "path": facts.path,
        "httpMethod": facts.request.method,
        "headers": {k: v[-1] for k, v in headers.items()},
        "multiValueHeaders": headers,
        "queryStringParameters": {k: v[-1] for k, v in query.items()},
        "multiValueQueryStringParameters": query,
        "pathParameters": dict(facts.path_parameters),
        "stageVariables": dict(facts.stage_variables),
        "requestContext": facts.request_context(),
    }


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether a content type is one of the API's binary media types (``*/*``, ``image/*``)."""
    kind = media_type(content_type)
    for pattern in binary_media_types:
        if pattern == "*/*" and kind:
            return True
        major, _, minor = pattern.lower().partition("/")
        if kind and (pattern.lower() == kind or (minor == "*" and kind.startswith(major + "/"))):
            return True
    return False
