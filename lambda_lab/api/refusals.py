"""The endpoint's framing at the socket: how large a body may be, and how a refusal is worded.

:func:`endpoint_body_limit` lets the server shell refuse a body from its ``Content-Length``
alone, before reading it (Invoke: 6 MB, or 1 MB for an Event; other Lambda calls: AWS's
70,167,211 bytes; other services: 64 MB). :func:`endpoint_refusal` words every refusal of the
shell in the error shape of the service asked: Lambda's ``{"Type", "message"}`` with
``x-amzn-ErrorType``, S3's XML, the JSON protocols' ``__type``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambda_lab import limits
from lambda_lab.aws import aws_request
from lambda_lab.http.common import HttpResponse
from lambda_lab.http.shell import Refusal, RequestHead

# What AWS answers for a larger CreateFunction or UpdateFunctionCode request (observed).
LAMBDA_REQUEST_MAX_BYTES = 70_167_211
OTHER_SERVICES_MAX_BYTES = 64 * 1024 * 1024  # In the Lab: larger S3 uploads go in parts
_INVOKE_PATH = re.compile(r"^/2015-03-31/functions/[^/]+/invocations/?$")
_INVOKE_ASYNC_PATH = re.compile(r"^/2014-11-13/functions/[^/]+/invoke-async/?$")
_NAMED_OPERATIONS = (
    ("POST", re.compile(r"^/2015-03-31/functions/?$"), "CreateFunction"),
    ("PUT", re.compile(r"^/2015-03-31/functions/[^/]+/code/?$"), "UpdateFunctionCode"),
    ("POST", re.compile(r"^/2018-10-31/layers/[^/]+/versions/?$"), "PublishLayerVersion"),
)
_CODES = {
    400: "InvalidRequestContentException",
    413: "RequestEntityTooLargeException",
    431: "RequestHeaderFieldsTooLarge",
    500: "ServiceException",
    501: "NotImplemented",
    503: "ServiceUnavailable",
    505: "HttpVersionNotSupported",
}


_SERVICE_HEADERS = ("x-amz-target", "authorization")  # all service_of() reads of the headers


def _service(head: RequestHead) -> str:
    path, _, query = head.target.partition("?")
    # The two headers read as parse() reads them (repeats: the last value of each spelling,
    # spellings in first-seen order), without lowering every other name.
    picked = [
        (k, v) for k, v in head.headers if len(k) in (12, 13) and k.lower() in _SERVICE_HEADERS
    ]
    lowered = {k.lower(): v for k, v in dict(picked).items()}
    return aws_request.service_of(lowered, path, query)


def endpoint_body_limit(head: RequestHead) -> int:
    """The largest body the endpoint reads for this request (known from its head alone)."""
    if _service(head) != "lambda":
        return OTHER_SERVICES_MAX_BYTES
    path = head.target.partition("?")[0]
    if _INVOKE_PATH.match(path):
        event = (head.header("X-Amz-Invocation-Type") or "") == "Event"
        return limits.ASYNC_PAYLOAD_MAX_BYTES if event else limits.SYNC_PAYLOAD_MAX_BYTES
    if _INVOKE_ASYNC_PATH.match(path):
        return limits.ASYNC_PAYLOAD_MAX_BYTES
    return LAMBDA_REQUEST_MAX_BYTES


def _too_large_message(head: RequestHead) -> str:
    path = head.target.partition("?")[0]
    limit = endpoint_body_limit(head)
    length = (head.header("Content-Length") or "").strip()
    if _INVOKE_PATH.match(path) and limit == limits.ASYNC_PAYLOAD_MAX_BYTES:
        return f"{length} byte payload is too large for the Event invocation type (limit {limit} bytes)"
    if _INVOKE_PATH.match(path) or _INVOKE_ASYNC_PATH.match(path):
        return f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
    for method, pattern, name in _NAMED_OPERATIONS:
        if head.method == method and pattern.match(path):
            return f"Request must be smaller than {limit} bytes for the {name} operation"
    return f"Request must be smaller than {limit} bytes"


def endpoint_refusal(head: RequestHead | None, refusal: Refusal) -> HttpResponse:
    """A request the endpoint will not read, answered in the asked service's error shape."""
    service = _service(head) if head is not None else ""
    message = refusal.message
    if refusal.status == 413 and head is not None and service == "lambda":
        message = _too_large_message(head)
    if service == "s3":
        code = {413: "EntityTooLarge", 431: "RequestHeaderSectionTooLarge"}.get(
            refusal.status, "BadRequest"
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{_xml_text(message)}</Message></Error>"
        ).encode()
        return HttpResponse(refusal.status, [("Content-Type", "application/xml")], body)
    code = _CODES.get(refusal.status, "InvalidRequestContentException")
    if service in ("lambda", ""):
        kind = "Service" if refusal.status >= 500 else "User"
        document: dict[str, Any] = {"Type": kind, "message": message}
    else:
        document = {"__type": code, "message": message}
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
    return HttpResponse(refusal.status, headers, json.dumps(document).encode())


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
