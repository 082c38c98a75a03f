"""Application Load Balancer with Lambda target groups (facts §8.1).

HTTP -> JSON: header names lower-cased, the last value of a repeated header or query key
kept (or every value, in ``multiValue*`` fields, when the target group attribute
``lambda.multi_value_headers.enabled`` is true), query strings left URL-encoded, non-text
bodies base64-encoded, X-Forwarded-* and X-Amzn-Trace-Id added.
JSON -> HTTP: the response document (``statusCode``, ``statusDescription``, ``headers`` or
``multiValueHeaders``, ``body``, ``isBase64Encoded``); anything else is a 502 with ALB's
reason code, as in ALB's access logs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import limits
from lambda_lab.http.common import (
    HOP_BY_HOP,
    Exchange,
    FrontDoorConfigError,
    HttpRequest,
    HttpResponse,
    Invoke,
    Outcome,
    call_function,
    continue_trace,
    decode_base64,
    encode_body,
    forwarded_headers,
    group_headers,
    group_pairs,
    is_text,
    parse_payload,
    reason_phrase,
    split_query,
    stable_id,
)

MULTI_VALUE_ATTRIBUTE = "lambda.multi_value_headers.enabled"
HEALTH_CHECK_USER_AGENT = "ELB-HealthChecker/2.0"

# Lambda's service error code -> ALB's reason code (ELB access-log "error_reason").
_REJECTION_REASONS = {
    "TooManyRequestsException": "LambdaThrottling",
    "ResourceNotFoundException": "LambdaResourceNotFound",
    "AccessDeniedException": "LambdaAccessDenied",
    "RequestTooLargeException": "LambdaRequestTooLarge",
    "InvalidRuntimeException": "LambdaInvalidRuntimeException",
    "InvalidZipFileException": "LambdaInvalidZipFileException",
}


@dataclass
class TargetGroup:
    """A target group of type ``lambda``: at most one function, plus its attributes."""

    name: str
    function_name: str | None = None
    qualifier: str | None = None
    region: str = limits.DEFAULT_REGION
    account_id: str = limits.ACCOUNT_ID
    attributes: dict[str, str] = field(default_factory=lambda: {MULTI_VALUE_ATTRIBUTE: "false"})
    health_check_enabled: bool = False  # off by default for Lambda targets
    health_check_path: str = "/"
    matcher: str = "200"  # HTTP codes that count as healthy: "200", "200-299", "200,202"

    @property
    def arn(self) -> str:
        suffix = stable_id(self.account_id, self.region, self.name, length=16)
        prefix = f"arn:aws:elasticloadbalancing:{self.region}:{self.account_id}"
        return f"{prefix}:targetgroup/{self.name}/{suffix}"

    @property
    def multi_value_headers(self) -> bool:
        return self.attributes.get(MULTI_VALUE_ATTRIBUTE, "false") == "true"

    def set_attribute(self, key: str, value: str | bool) -> None:
        """Like ``modify-target-group-attributes``: values are the strings "true"/"false"."""
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if key != MULTI_VALUE_ATTRIBUTE:
            raise FrontDoorConfigError(
                f"target group attribute key must be {MULTI_VALUE_ATTRIBUTE!r} for a lambda "
                f"target group (got {key!r})"
            )
        if text not in ("true", "false"):
            raise FrontDoorConfigError(
                f"attribute {key!r} must be 'true' or 'false' (got {value!r})"
            )
        self.attributes[key] = text

    def target_id(self) -> str | None:
        if self.function_name is None:
            return None
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"
        return f"{arn}:{self.qualifier}" if self.qualifier else arn


# -- HTTP -> JSON ---------------------------------------------------------------------------


def alb_event(
    request: HttpRequest, target_group_arn: str, multi_value: bool, trace_id: str | None = None
) -> dict[str, Any]:
    """The event ALB sends to a Lambda target for this request."""
    headers = group_headers(forwarded_headers(request, trace_id or continue_trace(request)))
    query = group_pairs(split_query(request.query, decode=False))
    body, is_base64 = encode_body(request.body, is_text(request.header("Content-Type")))
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": target_group_arn}},
        "httpMethod": request.method,
        "path": request.path,
    }
    if multi_value:
        event["multiValueQueryStringParameters"] = query
        event["multiValueHeaders"] = headers
    else:
        event["queryStringParameters"] = {key: values[-1] for key, values in query.items()}
        event["headers"] = {name: values[-1] for name, values in headers.items()}
    event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


def health_check_event(
    target_group_arn: str, path: str = "/", multi_value: bool = False
) -> dict[str, Any]:
    """The health check event: a bare GET with only ALB's user agent."""
    headers_key = "multiValueHeaders" if multi_value else "headers"
    query_key = "multiValueQueryStringParameters" if multi_value else "queryStringParameters"
    agent: Any = [HEALTH_CHECK_USER_AGENT] if multi_value else HEALTH_CHECK_USER_AGENT
    return {
        "requestContext": {"elb": {"targetGroupArn": target_group_arn}},
        "httpMethod": "GET",
        "path": path,
        query_key: {},
        headers_key: {"user-agent": agent},
        "body": "",
        "isBase64Encoded": False,
    }


# -- JSON -> HTTP ---------------------------------------------------------------------------


def alb_response(payload: bytes, multi_value: bool) -> HttpResponse | None:
    """The HTTP response for a Lambda response document, or None when ALB rejects it
    (``LambdaInvalidResponse``). Only the header field of the target group's mode is read."""
    ok, document = parse_payload(payload)
    if not ok or not isinstance(document, dict):
        return None  # a bare string, number, list or null is not a response document
    status = document.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        return None
    body_text = document.get("body")
    encoded = document.get("isBase64Encoded", False)
    if (body_text is not None and not isinstance(body_text, str)) or not isinstance(encoded, bool):
        return None
    pairs = _response_headers(document, multi_value)
    if pairs is None:
        return None
    body = (body_text or "").encode()
    if encoded and body_text:
        decoded = decode_base64(body_text)
        if decoded is None:
            return None
        body = decoded
    headers = [(k, v) for k, v in pairs if k.lower() not in HOP_BY_HOP | {"content-length"}]
    if body and not any(k.lower() == "content-type" for k, _ in headers):
        # OBSERVED (GitHub reports; not in ELB's docs): with no Content-Type from the
        # function, ALB answers application/octet-stream, so a browser downloads the body.
        headers.append(("Content-Type", "application/octet-stream"))
    return HttpResponse(status, headers, body, _reason(document.get("statusDescription"), status))


def _response_headers(document: dict[str, Any], multi_value: bool) -> list[tuple[str, str]] | None:
    field_name = "multiValueHeaders" if multi_value else "headers"
    given = document.get(field_name) or {}
    if not isinstance(given, dict):
        return None
    pairs: list[tuple[str, str]] = []
    for name, value in given.items():
        values = value if multi_value else [value]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return None
        pairs.extend((name, v) for v in values)
    return pairs


def _reason(description: Any, status: int) -> str:
    """The reason phrase of ``"200 OK"``-style statusDescription, if it is well formed."""
    if isinstance(description, str):
        code, _, phrase = description.partition(" ")
        if code == str(status) and phrase:
            return phrase
    return reason_phrase(status)


def alb_error_page(status: int) -> HttpResponse:
    """The small HTML page ALB itself answers with (502, 413, 503...)."""
    title = f"{status} {reason_phrase(status)}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    return HttpResponse(
        status, [("Server", "awselb/2.0"), ("Content-Type", "text/html")], page.encode()
    )


# -- the load balancer ------------------------------------------------------------------------


class LoadBalancer:
    """An internet-facing ALB: a listener whose rules forward to Lambda target groups."""

    def __init__(
        self,
        name: str,
        invoke: Invoke,
        default: TargetGroup,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.invoke = invoke
        self.default = default
        self.now = now  # the Lab's clock: it stamps the X-Amzn-Trace-Id root
        self._rules: list[tuple[int, re.Pattern[str], str, TargetGroup]] = []

    def add_rule(
        self, path_pattern: str, target_group: TargetGroup, priority: int | None = None
    ) -> None:
        """Forward paths matching ``path_pattern`` (``*`` and ``?`` wildcards, case-sensitive)."""
        if not path_pattern.startswith("/"):
            raise FrontDoorConfigError(f"path pattern must start with '/' (got {path_pattern!r})")
        taken = {rule[0] for rule in self._rules}
        chosen = priority if priority is not None else max(taken, default=0) + 1
        if not 1 <= chosen <= 50_000 or chosen in taken:
            raise FrontDoorConfigError(
                f"rule priority must be a free number in 1..50000 "
                f"(got {chosen}; taken: {sorted(taken)})",
                code="PriorityInUse" if chosen in taken else "ValidationError",
            )
        regex = re.compile(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in path_pattern)
            + r"\Z"
        )
        self._rules.append((chosen, regex, path_pattern, target_group))
        self._rules.sort(key=lambda rule: rule[0])

    def target_groups(self) -> list[TargetGroup]:
        groups = [self.default] + [rule[3] for rule in self._rules]
        return list({id(group): group for group in groups}.values())

    def route(self, path: str) -> TargetGroup:
        for _, regex, _, group in self._rules:
            if regex.match(path):
                return group
        return self.default

    def handle(self, request: HttpRequest) -> Exchange:
        if (request.header("Upgrade") or "").lower() == "websocket":
            return Exchange(request, alb_error_page(400), error_reason="WebSocketsUnsupported")
        if len(request.body) > limits.ALB_REQUEST_BODY_MAX_BYTES:
            return Exchange(request, alb_error_page(413), error_reason="LambdaRequestTooLarge")
        group = self.route(request.path)
        if group.function_name is None:
            return Exchange(request, alb_error_page(503), error_reason="NoRegisteredTargets")
        trace_id = continue_trace(request, self.now())
        event = alb_event(request, group.arn, group.multi_value_headers, trace_id)
        outcome = call_function(self.invoke, group.function_name, event, group.qualifier)
        response, reason = _answer(outcome, group.multi_value_headers)
        return Exchange(
            request,
            response,
            event,
            outcome.payload,
            outcome.function_error,
            reason,
            group.function_name,
        )

    def check_health(self, target_group: TargetGroup | None = None) -> dict[str, Any]:
        """One health check now, reported in DescribeTargetHealth's shape.

        AWS marks a target healthy after 5 passing checks in a row (unhealthy after 2
        failures), every 35 s; here each call is one check and decides the state.
        """
        group = target_group or self.default
        if group.function_name is None:
            return _health(group, "unused", "Target.NotRegistered", "Target is not registered")
        if not group.health_check_enabled:
            return _health(
                group, "unavailable", "Target.HealthCheckDisabled", "Health checks are disabled"
            )
        event = health_check_event(group.arn, group.health_check_path, group.multi_value_headers)
        outcome = call_function(self.invoke, group.function_name, event, group.qualifier)
        response, reason = _answer(outcome, group.multi_value_headers)
        if reason is not None:
            return _health(group, "unhealthy", "Target.FailedHealthChecks", reason)
        if not _matches(group.matcher, response.status):
            return _health(
                group,
                "unhealthy",
                "Target.ResponseCodeMismatch",
                f"Health checks failed with these codes: [{response.status}]",
            )
        return _health(group, "healthy")


def _health(
    group: TargetGroup, state: str, reason: str = "", description: str = ""
) -> dict[str, Any]:
    health = {"State": state}
    if reason:
        health.update(Reason=reason, Description=description)
    return {"Target": {"Id": group.target_id()}, "TargetHealth": health}


def _answer(outcome: Outcome, multi_value: bool) -> tuple[HttpResponse, str | None]:
    """The client's response and, when ALB answered itself, its reason code."""
    if outcome.rejected_code is not None:
        reason = _REJECTION_REASONS.get(outcome.rejected_code, "LambdaServiceException")
        return alb_error_page(413 if reason == "LambdaRequestTooLarge" else 502), reason
    if outcome.function_error is not None:
        return alb_error_page(502), "LambdaUnhandled"  # exceptions, timeouts, OOM alike
    assert outcome.payload is not None  # an outcome is rejected, failed or has a payload
    if len(outcome.payload) > limits.ALB_RESPONSE_MAX_BYTES:
        return alb_error_page(502), "LambdaResponseTooLarge"
    response = alb_response(outcome.payload, multi_value)
    if response is None:
        return alb_error_page(502), "LambdaInvalidResponse"
    return response, None


def _matches(matcher: str, status: int) -> bool:
    for part in matcher.split(","):
        low, _, high = part.strip().partition("-")
        high = high or low
        if low.isdigit() and high.isdigit() and int(low) <= status <= int(high):
            return True
    return False
