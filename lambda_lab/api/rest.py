"""The Lambda REST API (rest-json), answered by the Lab: HTTP in, HTTP out.

Routes, parameter locations and status codes come from botocore's own service model for
Lambda, the same file boto3 and the AWS CLI serialise with, so the wire format cannot
drift from theirs. A request is parsed into the operation's input members, run through
the one operation convention (:func:`lambda_lab.api.operation.run`: validation, the
handler, paging) and serialised back. Every answer carries ``x-amzn-RequestId``; an error
carries AWS's body (``Type`` and ``Message``/``message`` as the error declares them) and
``x-amzn-ErrorType``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.api import eventstream, framing
from lambda_lab.api.lambda_model import lambda_model
from lambda_lab.api.operation import REQUEST_ID_KEY, call, run, service_model
from lambda_lab.invocation.sync import new_request_id

_NOT_CHANGES = ("Invoke", "InvokeAsync", "InvokeWithResponseStream")
_MATCHES_KEPT = 1024  # routes remembered by (method, path, query): cleared when full

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class _Route:
    name: str  # the operation's name
    method: str
    pattern: re.Pattern[str]
    static_query: dict[str, str]


def _compile(uri: str) -> tuple[re.Pattern[str], dict[str, str]]:
    path, _, query = uri.partition("?")
    regex = re.sub(
        r"\{(\w+)\+?\}",
        lambda m: f"(?P<{m.group(1)}>[^/]+)",
        re.escape(path).replace(r"\{", "{").replace(r"\}", "}"),
    )
    static = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    return re.compile(f"^{regex}/?$"), static


class LambdaRestApi:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._matched: dict[tuple[Any, ...], tuple[_Route, dict[str, str]]] = {}
        # Called after an operation that may change state succeeded, before its answer goes
        # out (``lambda-lab serve --state`` journals the change there).
        self.after_change: Callable[[str], None] | None = None

    @functools.cached_property
    def model(self) -> Any:
        """botocore's model of Lambda, for HTTP requests (loaded on the first: ``lab.deploy``
        and the other Python calls need only :func:`lambda_model`)."""
        return service_model()

    @functools.cached_property
    def _routes(self) -> list[_Route]:
        model = lambda_model()
        routes = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            pattern, static = _compile(http["requestUri"])
            routes.append(_Route(name, http["method"], pattern, static))
        # Routes with a fixed query (?Qualifier=... variants) and longer paths are tried first.
        routes.sort(key=lambda r: (-len(r.static_query), -len(r.pattern.pattern)))
        return routes

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Run an operation from Python: the same validation and paging."""
        return call(self.lab, operation, params)

    # -- dispatch -------------------------------------------------------------------------------
    def handle(
        self,
        method: str,
        raw_path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> HttpReply:
        lowered = {k.lower(): v for k, v in headers.items()}
        request_id = None  # Invoke answers with its invocation's id; made here only if needed
        try:
            route, path_params = self._match(method, raw_path, query)
            operation = self.model.operation_model(route.name)  # (botocore caches these)
            params = self._parse_input(operation, path_params, query, lowered, body)
            check_framing(operation, params)
            result = run(self.lab, route.name, params)
            if self.after_change is not None and _changes_state(route):
                try:
                    self.after_change(route.name)
                except OSError as exc:  # done in memory, but not kept: not acknowledged either
                    raise errors.ServiceException(
                        f"{route.name} was applied but could not be saved: {exc}"
                    ) from None
            request_id = result.pop(REQUEST_ID_KEY, None)  # Invoke: its own id
            reply = self._serialize(operation, result)
        except errors.LambdaError as exc:
            reply = error_reply(exc)
        except Exception as exc:  # a bug of ours: answer as AWS would (500), never with a traceback
            import logging  # (loaded when needed: its import is a cost every fresh Lab would pay)

            logging.getLogger("lambda_lab").exception("%s %s failed", method, raw_path)
            reply = error_reply(
                errors.ServiceException(f"internal error in the Lab: {type(exc).__name__}: {exc}")
            )
        reply.headers["x-amzn-RequestId"] = request_id or new_request_id()
        return reply

    def _match(
        self, method: str, raw_path: str, query: dict[str, list[str]]
    ) -> tuple[_Route, dict[str, str]]:
        # A client calls the same few paths again and again (one Invoke URL per function):
        # the match depends only on the method, the path and the query's first values.
        key = (method, raw_path, tuple((k, v[0] if v else None) for k, v in query.items()))
        found = self._matched.get(key)
        if found is None:
            found = self._match_anew(method, raw_path, query)
            if len(self._matched) >= _MATCHES_KEPT:
                self._matched.clear()
            self._matched[key] = found
        return found[0], dict(found[1])

    def _match_anew(
        self, method: str, raw_path: str, query: dict[str, list[str]]
    ) -> tuple[_Route, dict[str, str]]:
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.match(raw_path)
            if not found:
                continue
            if any(
                query.get(k, [None])[0] != v and not (v == "" and k in query)
                for k, v in route.static_query.items()
            ):
                continue
            return route, {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
        raise errors.UnsupportedOperation(f"No Lambda operation answers {method} {raw_path}")

    @staticmethod
    def _parse_input(
        operation: Any,
        path_params: dict[str, str],
        query: dict[str, list[str]],
        headers: dict[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        params: dict[str, Any] = {}
        payload_member, located = _input_plan(shape)
        for name, location, wire, member in located:
            if location == "uri":
                if wire in path_params:
                    params[name] = _coerce(member, path_params[wire])
            elif location == "querystring":
                if wire in query:
                    values = query[wire]
                    listed = member.type_name == "list"
                    params[name] = values if listed else _coerce(member, values[0])
            elif wire in headers:  # a header (its wire name lower-cased in the plan)
                params[name] = _coerce(member, headers[wire])
        if payload_member:
            params[payload_member] = body
        elif body:
            document = framing.load_json_body(body)  # depth-limited, an object or a 400
            # A member of the wrong JSON type cannot be read into the request at all: AWS's
            # front end answers InvalidRequestContentException before any validation.
            framing.check_member_types(shape, document)
            for name, value in document.items():
                member = shape.members.get(name)
                params[name] = _blobs_decoded(member, value) if member is not None else value
        return params

    @staticmethod
    def _serialize(operation: Any, result: dict[str, Any]) -> HttpReply:
        status = int(operation.http.get("responseCode", 200))
        shape = operation.output_shape
        headers = {"Content-Type": "application/json"}
        if shape is None:
            return HttpReply(status, headers, b"")
        body_fields: dict[str, Any] = {}
        payload_member, members = _output_plan(shape)
        raw_body: bytes | None = None
        for name, value in result.items():
            found = members.get(name)
            if found is None or value is None:
                continue
            location, wire, kind = found
            if location == "statusCode":
                status = int(value)
            elif location == "header":
                headers[wire] = str(value)
            elif name == payload_member and kind == "structure":  # an event stream
                raw_body = eventstream.encode(value)
                headers["Content-Type"] = eventstream.CONTENT_TYPE
            elif name == payload_member:
                raw_body = value if isinstance(value, bytes) else json.dumps(value).encode()
            else:
                body_fields[name] = value
        if raw_body is None:  # an empty payload member (a 202 Invoke) sends no body at all
            empty = payload_member is not None or (status == 204 and not body_fields)
            raw_body = b"" if empty else json.dumps(body_fields).encode()
        return HttpReply(status, headers, raw_body)


_PLANS: dict[int, tuple[Any, Any]] = {}
_OUTPUT_PLANS: dict[int, tuple[Any, Any]] = {}


def _input_plan(shape: Any) -> tuple[str | None, list[tuple[str, str, str, Any]]]:
    """An input shape's payload member and its members read from the URI, the query or the
    headers, as (name, location, wire name, member): read from the model once per shape."""
    return framing.per_shape(_PLANS, shape, _read_input_plan)


def _read_input_plan(shape: Any) -> tuple[str | None, list[tuple[str, str, str, Any]]]:
    located = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location in ("uri", "querystring"):
            located.append((name, location, wire, member))
        elif location == "header":
            located.append((name, location, wire.lower(), member))
    return shape.serialization.get("payload"), located


def _output_plan(shape: Any) -> tuple[str | None, dict[str, tuple[str, str, str]]]:
    """An output shape's payload member and, by member name, (location, wire name, type)."""
    return framing.per_shape(_OUTPUT_PLANS, shape, _read_output_plan)


def _read_output_plan(shape: Any) -> tuple[str | None, dict[str, tuple[str, str, str]]]:
    members = {
        name: (
            member.serialization.get("location"),
            member.serialization.get("name", name),
            member.type_name,
        )
        for name, member in shape.members.items()
    }
    return shape.serialization.get("payload"), members


def _changes_state(route: _Route) -> bool:
    return route.method != "GET" and route.name not in _NOT_CHANGES


def check_framing(operation: Any, params: dict[str, Any]) -> None:
    """Checks of the request as sent, before the operation does any work."""
    framing.check_header_enums(operation, params)
    if operation.name in _NOT_CHANGES:
        payload = params.get("Payload") or params.get("InvokeArgs")
        if isinstance(payload, bytes) and payload:
            framing.check_nesting(payload, framing.PAYLOAD_MAX_DEPTH)
        if params.get("ClientContext"):
            framing.check_client_context(params["ClientContext"])


def error_reply(exc: errors.LambdaError) -> HttpReply:
    """AWS's error answer: the error's status and body, named in ``x-amzn-ErrorType``."""
    headers = {"Content-Type": "application/json", "x-amzn-ErrorType": exc.code}
    if exc.code == "TooManyRequestsException":
        headers["Retry-After"] = str(exc.members.get("retryAfterSeconds", "1"))
    return HttpReply(exc.status, headers, json.dumps(exc.body()).encode())


def _blobs_decoded(shape: Any, value: Any) -> Any:
    """A JSON body's value with its blob members base64-decoded, as botocore encoded them."""
    kind = shape.type_name
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error):
            raise errors.InvalidRequestContentException(
                f"Could not parse request body into json: a blob member is not base64 ({value[:40]!r})"
            ) from None
    if kind == "structure" and isinstance(value, dict):
        return {
            k: _blobs_decoded(shape.members[k], v) if k in shape.members else v
            for k, v in value.items()
        }
    if kind == "list" and isinstance(value, list):
        return [_blobs_decoded(shape.member, v) for v in value]
    return value


def _coerce(member: Any, text: str) -> Any:
    if member.type_name in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise errors.InvalidParameterValueException(
                f"{member.name} must be a whole number (got {text!r})"
            ) from None
    if member.type_name == "boolean":
        return text.lower() == "true"
    return text
