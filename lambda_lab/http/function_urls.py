"""Lambda function URLs: ``https://<url-id>.lambda-url.<region>.on.aws`` (facts §8.3).

Payload 2.0 with ``routeKey`` and ``stage`` set to ``$default``; ``authorizer`` is null
for AuthType NONE and carries the caller's IAM identity for AWS_IAM. Error answers that
AWS does not document are marked OBSERVED (seen in public bug reports) below.

What the URL's configuration does, as on AWS:

* **AuthType NONE** answers only when the function's resource-based policy lets everyone
  (``Principal: "*"``) call ``lambda:InvokeFunctionUrl`` and, for URLs created since October
  2025, ``lambda:InvokeFunction`` too; otherwise 403 Forbidden. **AWS_IAM** needs a
  SigV4-signed request (the Lab has no IAM: it reads the key, not the signature).
* **Cors**: the URL itself answers a preflight (OPTIONS with Origin and
  Access-Control-Request-Method) from the configured origins, methods, headers, max age and
  credentials, without invoking the function, and adds the CORS headers to every answer.
* **InvokeMode RESPONSE_STREAM**: a function that streams (a custom runtime posting with
  ``Lambda-Runtime-Function-Response-Mode: streaming``) answers up to 200 MB; an
  ``application/vnd.awslambda.http-integration-response`` stream starts with a JSON prelude
  (statusCode, headers, cookies) and eight NUL bytes.
"""

from __future__ import annotations

import json
import re
import string
import time
from collections.abc import Callable
from typing import Any

from lambda_lab import aws_time, limits
from lambda_lab.http.common import (
    Exchange,
    FrontDoorConfigError,
    HttpRequest,
    HttpResponse,
    Invoke,
    Outcome,
    call_function,
    continue_trace,
    new_request_id,
    stable_id,
)
from lambda_lab.http.payload_v2 import v2_event, v2_response

AUTH_TYPES = ("AWS_IAM", "NONE")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")
_CREDENTIAL = re.compile(r"AWS4-HMAC-SHA256\s+Credential=([A-Z0-9]+)/")
HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response"
_PRELUDE_END = b"\x00" * 8
Statements = Callable[[], list[dict[str, Any]]]  # the resource policy the URL's caller meets


def _enum_error(field: str, value: str, allowed: tuple[str, ...]) -> FrontDoorConfigError:
    return FrontDoorConfigError(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]",
        code="ValidationException",
    )


def _check_modes(auth_type: str, invoke_mode: str) -> None:
    if auth_type not in AUTH_TYPES:
        raise _enum_error("authType", auth_type, AUTH_TYPES)
    if invoke_mode not in INVOKE_MODES:
        raise _enum_error("invokeMode", invoke_mode, INVOKE_MODES)


class FunctionUrl:
    """The HTTPS endpoint of one function (or alias), created by CreateFunctionUrlConfig."""

    def __init__(
        self,
        function_name: str,
        invoke: Invoke,
        qualifier: str | None = None,
        *,
        auth_type: str = "NONE",
        invoke_mode: str = "BUFFERED",
        region: str = limits.DEFAULT_REGION,
        account_id: str = limits.ACCOUNT_ID,
        now: Callable[[], float] = time.time,
        cors: dict[str, Any] | None = None,
        statements: Statements | None = None,
        streamed: Callable[[str], Any] | None = None,
    ) -> None:
        """``statements`` gives the resource policy the URL checks for AuthType NONE (None:
        a door on its own, not checked); ``streamed(request_id)`` gives what a function
        streamed (see :func:`lambda_lab.api.runtime_api.streamed`)."""
        _check_modes(auth_type, invoke_mode)
        self.function_name, self.invoke, self.qualifier = function_name, invoke, qualifier
        self.name = function_name
        self.auth_type, self.invoke_mode = auth_type, invoke_mode
        self.cors = dict(cors) if cors else None
        self.statements, self.streamed = statements, streamed
        self.region, self.account_id, self.now = region, account_id, now
        self.url_id = stable_id(
            account_id,
            region,
            function_name,
            qualifier or "",
            length=32,
            alphabet=string.ascii_lowercase + string.digits,
        )
        self.created = self.modified = aws_time.iso_micros(now())

    def update(
        self,
        auth_type: str | None = None,
        invoke_mode: str | None = None,
        cors: dict[str, Any] | None = None,
    ) -> None:
        """UpdateFunctionUrlConfig: change what is given; the URL itself never changes."""
        _check_modes(auth_type or self.auth_type, invoke_mode or self.invoke_mode)
        self.auth_type = auth_type or self.auth_type
        self.invoke_mode = invoke_mode or self.invoke_mode
        if cors is not None:
            self.cors = dict(cors) or None
        self.modified = aws_time.iso_micros(self.now())

    @property
    def domain_name(self) -> str:
        return f"{self.url_id}.lambda-url.{self.region}.on.aws"

    @property
    def function_arn(self) -> str:
        arn = f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.function_name}"
        return f"{arn}:{self.qualifier}" if self.qualifier else arn

    def config(self) -> dict[str, Any]:
        """The FunctionUrlConfig AWS returns (GetFunctionUrlConfig's fields)."""
        return {
            "FunctionUrl": f"https://{self.domain_name}/",
            "FunctionArn": self.function_arn,
            "AuthType": self.auth_type,
            "CreationTime": self.created,
            "LastModifiedTime": self.modified,
            "InvokeMode": self.invoke_mode,
        } | ({"Cors": dict(self.cors)} if self.cors else {})

    def handle(self, request: HttpRequest) -> Exchange:
        exchange = self._handle(request)
        if self.cors and request.header("Origin") and exchange.error_reason != "CorsPreflight":
            exchange.response.headers = _with_cors(
                exchange.response.headers,
                self.cors,
                request.header("Origin") or "",
                preflight=False,
            )
        return exchange

    def _handle(self, request: HttpRequest) -> Exchange:
        if self.cors and _is_preflight(request):  # answered by the URL: no invoke
            headers = _with_cors([], self.cors, request.header("Origin") or "", preflight=True)
            return Exchange(request, HttpResponse(200, headers, b""), error_reason="CorsPreflight")
        authorizer = None
        if self.auth_type == "AWS_IAM":
            authorizer = self._iam_caller(request)
            if authorizer is None:
                return Exchange(request, _error(403, "Forbidden"), error_reason="MissingSignature")
        elif self.statements is not None and not _public(self.statements()):
            return Exchange(request, _error(403, "Forbidden"), error_reason="NoPublicPolicy")
        if len(request.body) > limits.SYNC_PAYLOAD_MAX_BYTES:
            return Exchange(
                request, _error(413, "Request Entity Too Large"), error_reason="RequestTooLarge"
            )
        request_id = new_request_id()
        now = self.now()
        trace_id = continue_trace(request, now)
        event = v2_event(
            request,
            route_key="$default",
            stage="$default",
            api_id=self.url_id,
            domain_name=self.domain_name,
            account_id=self.account_id,
            request_id=request_id,
            trace_id=trace_id,
            now=now,
            function_url_fields=True,
            authorizer=authorizer,
        )
        invoked: list[str] = []

        def invoke(*args: Any, **kwargs: Any) -> Any:
            result = self.invoke(*args, **kwargs)
            invoked.append(getattr(result, "request_id", "") or "")
            return result

        outcome = call_function(invoke, self.function_name, event, self.qualifier)
        stream = (
            self.streamed(invoked[0])
            if self.invoke_mode == "RESPONSE_STREAM" and self.streamed and invoked
            else None
        )
        response, reason = _streamed_answer(stream) if stream is not None else _answer(outcome)
        response.headers += [("x-amzn-RequestId", request_id), ("X-Amzn-Trace-Id", trace_id)]
        return Exchange(
            request,
            response,
            event,
            outcome.payload,
            outcome.function_error,
            reason,
            self.function_name,
        )

    def _iam_caller(self, request: HttpRequest) -> dict[str, Any] | None:
        """The ``iam`` authorizer of a SigV4-signed request, or None when it is unsigned.

        The Lab has no IAM: it reads the access key from the signature's Credential and
        does not check the signature itself.
        """
        found = _CREDENTIAL.match(request.header("Authorization") or "")
        if found is None:
            return None
        access_key = found.group(1)
        caller = "AIDA" + stable_id(
            access_key, length=17, alphabet=string.ascii_uppercase + string.digits
        )
        return {
            "iam": {
                "accessKey": access_key,
                "accountId": self.account_id,
                "callerId": caller,
                "cognitoIdentity": None,
                "principalOrgId": None,
                "userArn": f"arn:aws:iam::{self.account_id}:user/learner",
                "userId": caller,
            }
        }


def _answer(outcome: Outcome) -> tuple[HttpResponse, str | None]:
    if outcome.rejected_code == "TooManyRequestsException":
        # OBSERVED: {"message":"Rate Exceeded."} with x-amzn-ErrorType ThrottlingException.
        body = json.dumps({"message": "Rate Exceeded."}).encode()
        return HttpResponse(
            429,
            [("Content-Type", "application/json"), ("x-amzn-ErrorType", "ThrottlingException")],
            body,
        ), outcome.rejected_code
    if outcome.rejected_code == "ResourceNotFoundException":
        return _error(403, "Forbidden"), outcome.rejected_code  # no function, no URL
    if outcome.rejected_code is not None:
        return _error(500, "Internal Server Error"), outcome.rejected_code
    # OBSERVED: a failed or malformed answer reaches the client as a plain 502.
    failed = HttpResponse(502, [("Content-Type", "text/plain")], b"Internal Server Error")
    if outcome.function_error is not None:
        return failed, "Lambda function error"
    assert outcome.payload is not None  # an outcome is rejected, failed or has a payload
    response = v2_response(outcome.payload)
    if response is None:
        return failed, "Malformed Lambda response"
    return response, None


def _error(status: int, message: str) -> HttpResponse:
    body = json.dumps({"Message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)


def _public(statements: list[dict[str, Any]]) -> bool:
    """Whether a policy lets anyone call the URL: InvokeFunctionUrl (for AuthType NONE) and,
    since October 2025, InvokeFunction as well."""

    def allows(action: str, statement: dict[str, Any]) -> bool:
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
        actions = statement.get("Action")
        named = actions if isinstance(actions, list) else [actions]
        auth = (
            statement.get("Condition", {}).get("StringEquals", {}).get("lambda:FunctionUrlAuthType")
        )
        return (
            statement.get("Effect") == "Allow"
            and everyone
            and any(a in (action, "lambda:*", "*") for a in named)
            and auth in (None, "NONE")
        )

    return any(allows("lambda:InvokeFunctionUrl", s) for s in statements) and any(
        allows("lambda:InvokeFunction", s) for s in statements
    )


def _is_preflight(request: HttpRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and request.header("Origin") is not None
        and request.header("Access-Control-Request-Method") is not None
    )


def _with_cors(
    headers: list[tuple[str, str]], cors: dict[str, Any], origin: str, preflight: bool
) -> list[tuple[str, str]]:
    """``headers`` with the URL's CORS headers in place of any the function set itself."""
    kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        allowed = "*"
    elif origin in origins:
        allowed = origin
    else:
        return kept  # an origin the URL does not allow gets no CORS headers
    added = [("Access-Control-Allow-Origin", allowed)]
    if allowed != "*":
        added.append(("Vary", "Origin"))
    if cors.get("AllowCredentials"):
        added.append(("Access-Control-Allow-Credentials", "true"))
    if preflight:
        if cors.get("AllowMethods"):
            added.append(("Access-Control-Allow-Methods", ",".join(cors["AllowMethods"])))
        if cors.get("AllowHeaders"):
            added.append(("Access-Control-Allow-Headers", ",".join(cors["AllowHeaders"])))
        if cors.get("MaxAge"):
            added.append(("Access-Control-Max-Age", str(cors["MaxAge"])))
    elif cors.get("ExposeHeaders"):
        added.append(("Access-Control-Expose-Headers", ",".join(cors["ExposeHeaders"])))
    return kept + added


def _streamed_answer(stream: Any) -> tuple[HttpResponse, str | None]:
    """The HTTP answer to a streamed response (an http-integration prelude, or raw bytes)."""
    body = stream.body
    if stream.content_type.split(";")[0].strip().lower() != HTTP_INTEGRATION:
        return HttpResponse(200, [("Content-Type", stream.content_type)], body), None
    prelude_text, found, rest = body.partition(_PRELUDE_END)
    try:
        prelude = json.loads(prelude_text) if found else None
    except ValueError:
        prelude = None
    if not isinstance(prelude, dict):
        failed = HttpResponse(502, [("Content-Type", "text/plain")], b"Internal Server Error")
        return failed, "Malformed Lambda response"
    headers = [(str(k), str(v)) for k, v in (prelude.get("headers") or {}).items()]
    headers += [("Set-Cookie", str(c)) for c in prelude.get("cookies") or []]
    return HttpResponse(int(prelude.get("statusCode", 200)), headers, rest), None
