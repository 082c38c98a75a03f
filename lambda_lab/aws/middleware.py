"""The WSGI application behind the endpoint: Lambda to the Lab, everything else to moto.

Every request passes here, which is what lets the Lab act where moto only stores:

* Lambda's own REST routes are answered by ``lab.rest_api()`` (the same layer the
  in-process client uses), so a handler's ``boto3.client("lambda").invoke(...)`` works,
  and CloudWatch Logs reads of the Lab's log groups by :mod:`lambda_lab.api.logs_api`;
* ``hooks.before(request)`` may answer a request itself (EventBridge PutRule validation,
  PutEvents routing, S3 notification checks);
* after moto answered with success, ``hooks.after(request, reply)`` fires triggers and
  wakes pollers (an S3 PUT, an SNS Publish, an SQS SendMessage, a Kinesis PutRecord...).

A hook that fails is logged and never changes moto's answer.
"""

from __future__ import annotations

import io
import json
import logging
import urllib.parse
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lambda_lab.aws import aws_request
from lambda_lab.aws.aws_request import AwsRequest
from lambda_lab.aws.lab_side import LabSide

_log = logging.getLogger("lambda_lab")
_REASONS = {200: "OK", 202: "Accepted", 204: "No Content", 400: "Bad Request", 404: "Not Found",
            409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented", 503: "Service Unavailable"}  # fmt: skip


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


def json_error(
    code: str, message: str, status: int = 400, content_type: str = "application/x-amz-json-1.1"
) -> Reply:
    """An error in the JSON protocols' shape (``__type`` + ``message``), as botocore parses it."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return Reply(status, [("Content-Type", content_type), ("x-amzn-ErrorType", code)], body)


def json_reply(document: dict[str, Any], content_type: str = "application/x-amz-json-1.1") -> Reply:
    return Reply(200, [("Content-Type", content_type)], json.dumps(document).encode())


class Hooks(Protocol):
    def before(self, request: AwsRequest) -> Reply | None: ...

    def after(self, request: AwsRequest, reply: Reply) -> None: ...


class ApiReply(Protocol):
    status: int
    headers: dict[str, str]
    body: bytes


class LambdaApi(Protocol):
    """Lambda's REST API over the Lab (:class:`lambda_lab.api.rest.LambdaRestApi`)."""

    def handle(
        self,
        method: str,
        raw_path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> ApiReply: ...


# A CloudWatch Logs read of one of the Lab's log groups: (status, headers, body), or None
# when moto should answer (:func:`lambda_lab.api.logs_api.answer`).
LogsReads = Callable[[dict[str, Any]], tuple[int, dict[str, str], bytes] | None]


class Middleware:
    def __init__(self, own: LabSide, moto: Callable[[], Any]) -> None:
        self._own = own
        self._moto = moto
        self._api_seen: weakref.ref[LambdaApi] | None = None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        body = _read_body(environ)
        headers = {
            key[5:].replace("_", "-"): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["CONTENT-TYPE"] = environ["CONTENT_TYPE"]
        raw_path = _raw_path(environ)
        request = aws_request.parse(
            environ["REQUEST_METHOD"], raw_path, environ.get("QUERY_STRING", ""), headers, body
        )
        reply = self._guarded(request, lambda: self._answer(request, raw_path, environ))
        status, sent = self.framed(reply, request.method)
        start_response(status, sent)
        return [reply.body]

    def answer_lambda(
        self, method: str, target: str, header_pairs: Iterable[tuple[str, str]], body: bytes
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The answer to a request signed for Lambda, straight from the HTTP request (no WSGI
        environ, nothing for moto): what ``__call__`` would answer, as (status line, headers,
        body). None when the request is not plainly Lambda's: the WSGI path then decides."""
        if "://" in target:
            return None  # absolute-form: the WSGI path decodes it
        raw_path, _, query_string = target.partition("?")
        # The headers as the WSGI path sees them: names as environ keys give them back
        # (upper-case, "_" read as "-"), repeats joined with commas, Content-Type's last
        # value, no Content-Length or Transfer-Encoding; then lower-cased, as parse() does.
        headers: dict[str, str] = {}
        content_type = None
        for name, value in header_pairs:
            key = name.lower().replace("_", "-")
            if key == "content-type":
                content_type = value
            elif key not in ("content-length", "transfer-encoding"):
                headers[key] = f"{headers[key]},{value}" if key in headers else value
        if content_type:
            headers["content-type"] = content_type
        if aws_request.service_of(headers, raw_path, query_string) != "lambda":
            return None
        request = AwsRequest(
            method,
            urllib.parse.unquote(raw_path),
            urllib.parse.parse_qs(query_string, keep_blank_values=True) if query_string else {},
            headers,
            body,
            service="lambda",
        )
        reply = self._guarded(request, lambda: self._answer_lambda(request, raw_path))
        status, sent = self.framed(reply, method)
        return status, sent, reply.body

    def _guarded(self, request: AwsRequest, answer: Callable[[], Reply]) -> Reply:
        try:
            return answer()
        except (
            Exception
        ) as exc:  # a bug in the Lab must come back as a 500, not a dropped connection
            _log.exception("lambda-lab endpoint failed on %s %s", request.method, request.path)
            return json_error(
                "InternalFailure", f"lambda-lab endpoint error: {type(exc).__name__}: {exc}", 500
            )

    @staticmethod
    def framed(reply: Reply, method: str) -> tuple[str, list[tuple[str, str]]]:
        """The status line and headers that go out with ``reply``."""
        sent = reply.headers
        if method != "HEAD":  # a HEAD keeps the length of the body it did not send
            sent = [(k, v) for k, v in sent if k.lower() != "content-length"]
            sent.append(("Content-Length", str(len(reply.body))))
        return f"{reply.status} {_REASONS.get(reply.status, 'Status')}", sent

    def _answer(self, request: AwsRequest, raw_path: str, environ: dict[str, Any]) -> Reply:
        if request.service == "lambda":
            return self._answer_lambda(request, raw_path)
        if not self._own.is_open():
            return json_error("ServiceUnavailable", "this Lab is closed", 503)
        if request.service == "logs":  # reads of the Lab's own log groups come from its LogStore
            answered = self._own.logs_reads(environ)
            if answered is not None:
                return Reply(answered[0], list(answered[1].items()), answered[2])
        if request.service == "codedeploy" and self._own.codedeploy is not None:
            answered = self._own.codedeploy(request)  # deployment hooks report to the Lab
            if answered is not None:
                return Reply(answered[0], list(answered[1].items()), answered[2])
        hooks = self._own.hooks()
        reply = hooks.before(request) if hooks is not None else None
        if reply is not None:
            return reply
        reply = self._call_moto(environ)
        if hooks is not None and 200 <= reply.status < 300:
            try:
                hooks.after(request, reply)
            except Exception:
                _log.exception(
                    "lambda-lab hook failed after %s %s", request.service, request.operation
                )
        return reply

    def _answer_lambda(self, request: AwsRequest, raw_path: str) -> Reply:
        if not self._own.is_open():
            return json_error("ServiceUnavailable", "this Lab is closed", 503)
        api = self._api_seen() if self._api_seen is not None else None
        if api is None:  # the Lab makes its REST API once: remembered without keeping it alive
            api = self._own.lambda_api()
            try:
                self._api_seen = weakref.ref(api)
            except TypeError:  # an object that cannot be referred to weakly: asked each time
                pass
        got = api.handle(request.method, raw_path, request.query, request.headers, request.body)
        return Reply(got.status, list(got.headers.items()), got.body)

    def _call_moto(self, environ: dict[str, Any]) -> Reply:
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = [(k, v) for k, v in headers if k.lower() != "connection"]
            return lambda data: None

        chunks = self._moto()(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return Reply(captured["status"], captured["headers"], body)


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as sent (still percent-encoded): S3 keys and function ARNs survive intact."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return urllib.parse.quote(
        environ.get("PATH_INFO", "/").encode("latin-1"), safe="/:$@!*'()~,;=+&"
    )


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the whole body once and put it back, so both the Lab and moto can read it."""
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    return body
