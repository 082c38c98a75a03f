"""What every HTTP front door shares: the neutral request and response, and the Lambda call.

A front door (ALB target group, API Gateway, function URL) is a pure converter around one
``invoke`` callable: HTTP request -> JSON event -> ``invoke`` -> JSON response -> HTTP
response. The socket listener (server.py), the in-process transport (transport.py) and
the widget only move :class:`HttpRequest` and :class:`Exchange` objects around.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote_plus

from lambda_lab import aws_time

# The callable the Lab hands to every front door: (function name, event, qualifier) -> result
# with ``.payload`` bytes, ``.function_error`` ("Unhandled" or None) and ``.record``.
Invoke = Callable[..., Any]

# Headers that describe one TCP hop; proxies never forward them (RFC 9110 section 7.6.1).
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "proxy-connection",
    }
)

# Content types ALB (and the payload 2.0 doors) pass as text; anything else is base64.
_TEXT_TYPES = frozenset({"application/json", "application/javascript", "application/xml"})


class FrontDoorConfigError(ValueError):
    """A front door was configured wrongly; ``code`` is the AWS error name for it."""

    def __init__(self, message: str, code: str = "ValidationError") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as a client sent it: nothing decoded, repeats and case kept."""

    method: str
    path: str  # raw, without the query string
    query: str = ""  # raw, without the "?"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    client_ip: str = "127.0.0.1"
    client_port: int = 0
    scheme: str = "http"
    server_port: int = 80
    protocol: str = "HTTP/1.1"

    @classmethod
    def build(
        cls,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes | str = b"",
        **extra: Any,
    ) -> HttpRequest:
        """A request from a request-target such as ``/a/b?x=1&x=2``."""
        path, _, query = target.partition("?")
        data = body.encode() if isinstance(body, str) else bytes(body)
        return cls(
            method.upper(),
            path or "/",
            query,
            tuple((str(k), str(v)) for k, v in headers),
            data,
            **extra,
        )

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), or None."""
        return self._last_values.get(name.lower())

    @functools.cached_property
    def _last_values(self) -> dict[str, str]:
        """Each header's last value by lower-case name (a door asks for several headers)."""
        return {key.lower(): value for key, value in self.headers}

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        size = len(wanted)  # (only a name of the same length can match: lower only those)
        return [value for key, value in self.headers if len(key) == size and key.lower() == wanted]

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class HttpResponse:
    """What goes back to the client. ``headers`` keeps repeats (several Set-Cookie)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.reason:
            self.reason = reason_phrase(self.status)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = [value for key, value in self.headers if key.lower() == wanted]
        return found[-1] if found else None

    def header_values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def status_line(self) -> str:
        return f"HTTP/1.1 {self.status} {self.reason}"


@dataclass
class Exchange:
    """One trip through a front door, every stage kept so a lesson can show it."""

    request: HttpRequest
    response: HttpResponse
    event: dict[str, Any] | None = None  # what the function received
    payload: bytes | None = None  # what the function returned (or its error document)
    function_error: str | None = None
    error_reason: str | None = None  # why the door answered itself, e.g. LambdaInvalidResponse
    function_name: str | None = None


class FrontDoor(Protocol):
    """Anything that turns an :class:`HttpRequest` into an :class:`Exchange`."""

    name: str

    def handle(self, request: HttpRequest) -> Exchange: ...


@dataclass(frozen=True)
class Outcome:
    """How a Lambda call ended, seen from the front door."""

    payload: bytes | None = None
    function_error: str | None = None  # the function ran and failed ("Unhandled")
    error_type: str | None = None  # e.g. "Sandbox.Timedout"
    rejected_code: str | None = None  # Lambda refused the call, e.g. TooManyRequestsException
    duration_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.payload is not None and self.function_error is None and not self.rejected_code


def call_function(
    invoke: Invoke, function_name: str, event: dict[str, Any], qualifier: str | None = None
) -> Outcome:
    """Invoke synchronously; service errors (anything with a string ``.code``) become data."""
    try:
        result = invoke(function_name, event, qualifier=qualifier)
    except Exception as exc:
        code = getattr(exc, "code", None)
        if not isinstance(code, str):
            raise
        return Outcome(rejected_code=code)
    record = getattr(result, "record", None)
    return Outcome(
        payload=bytes(result.payload),
        function_error=result.function_error,
        error_type=getattr(record, "error_type", None),
        duration_ms=getattr(record, "duration_ms", None),
    )


# -- headers, query strings and bodies ------------------------------------------------------


def group_headers(headers: Iterable[tuple[str, str]], lower: bool = True) -> dict[str, list[str]]:
    """Header values by name, in arrival order. Names are lower-cased, or (``lower=False``)
    spelled as the client first sent them, still grouped case-insensitively."""
    spelled: dict[str, str] = {}
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        key = spelled.setdefault(name.lower(), name.lower() if lower else name)
        grouped.setdefault(key, []).append(value)
    return grouped


def split_query(query: str, decode: bool) -> list[tuple[str, str]]:
    """``a=1&a=2&b`` -> [("a","1"), ("a","2"), ("b","")]; empty pieces are dropped."""
    pairs = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        if decode:
            key, value = unquote_plus(key), unquote_plus(value)
        pairs.append((key, value))
    return pairs


def group_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_text(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind.startswith("text/") or kind in _TEXT_TYPES


def encode_body(body: bytes, as_text: bool) -> tuple[str, bool]:
    """(body, isBase64Encoded) as it goes into an event."""
    if not body:
        return "", False
    if as_text:
        return body.decode("utf-8", errors="replace"), False
    return base64.b64encode(body).decode("ascii"), True


_REPLACED_BY_PROXY = frozenset(
    {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"}
)


def forwarded_headers(request: HttpRequest, trace_id: str) -> list[tuple[str, str]]:
    """The request's headers plus the X-Forwarded-* and X-Amzn-Trace-Id a proxy adds.

    A client's X-Forwarded-For is kept and the client address appended, as proxies do.
    """
    earlier = request.header("X-Forwarded-For")
    chain = f"{earlier}, {request.client_ip}" if earlier else request.client_ip
    return [(k, v) for k, v in request.headers if k.lower() not in _REPLACED_BY_PROXY] + [
        ("X-Amzn-Trace-Id", trace_id),
        ("X-Forwarded-For", chain),
        ("X-Forwarded-Port", str(request.server_port)),
        ("X-Forwarded-Proto", request.scheme),
    ]


# -- ids and times ------------------------------------------------------------------------


# Ids need to be unique, not secret: drawn from a generator of their own (seeded from the
# system once), without a system call per request and without touching ``random``'s stream.
_ids = random.Random()


def new_trace_id(now: float | None = None) -> str:
    """An X-Ray trace id: ``Root=1-<8 hex seconds>-<24 hex random>``."""
    seconds = int(time.time() if now is None else now)
    return f"Root=1-{seconds:08x}-{_ids.getrandbits(96):024x}"


def continue_trace(request: HttpRequest, now: float | None = None) -> str:
    """Keep a client's trace (adding this hop as ``Self=``) or start a new one."""
    sent = request.header("X-Amzn-Trace-Id")
    if sent and "Root=" in sent:
        return f"Self={new_trace_id(now)[len('Root=') :]};{sent}"
    return new_trace_id(now)


def new_request_id() -> str:
    """A random (version 4) UUID string, as str(uuid.uuid4()) spells it."""
    h = f"{_ids.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def stable_id(*parts: str, length: int, alphabet: str = "0123456789abcdef") -> str:
    """A resource id derived from its names, so re-running a notebook gives the same URL."""
    digest = int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest(), "big")
    chars = []
    for _ in range(length):
        digest, index = divmod(digest, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


_clf_cache: tuple[int, str] = (-1, "")


def clf_time(epoch: float) -> str:
    """``12/Mar/2020:19:03:58 +0000``: the time format API Gateway puts in requestContext
    (whole seconds: formatted once a second)."""
    global _clf_cache
    second = int(epoch)
    if epoch < 0:
        return aws_time.access_log_time(epoch)
    if _clf_cache[0] != second:
        _clf_cache = (second, aws_time.access_log_time(second))
    return _clf_cache[1]


_PHRASES = {status.value: status.phrase for status in http.HTTPStatus}


def reason_phrase(status: int) -> str:
    return _PHRASES.get(status, "Unknown")


def json_response(
    status: int, document: Any, extra: Iterable[tuple[str, str]] = ()
) -> HttpResponse:
    body = json.dumps(document, separators=(",", ":")).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *extra], body)


def parse_payload(payload: bytes) -> tuple[bool, Any]:
    """(True, value) when the function's payload is JSON, else (False, None)."""
    try:
        return True, json.loads(payload)
    except ValueError:
        return False, None


def decode_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        return None
