"""Fuzzed front doors: any request becomes an event AWS's way, any response document becomes
an HTTP answer or the door's own 502/500, and the socket shell survives any bytes at all."""

from __future__ import annotations

import base64
import dataclasses
import json
import socket

import pytest
from fake_lambda import FakeLambda
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_lab.http import (
    FunctionUrl,
    HttpApi,
    HttpRequest,
    Listener,
    LoadBalancer,
    RestApi,
    TargetGroup,
)
from lambda_lab.http.alb import MULTI_VALUE_ATTRIBUTE, alb_response
from lambda_lab.http.apigateway import v1_response
from lambda_lab.http.payload_v2 import v2_response

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What arrives on a socket is latin-1 text (http.server decodes it so); a notebook may pass any str.
LATIN = st.text(st.characters(max_codepoint=255), max_size=16)
ANY_TEXT = st.text(max_size=16)
HEADER_NAMES = st.sampled_from(
    ["Content-Type", "Cookie", "X-Forwarded-For", "X-Amzn-Trace-Id", "Accept", "User-Agent",
     "Authorization", "Host", "Content-Length", "Connection"]
) | LATIN  # fmt: skip
CONTENT_TYPES = st.sampled_from(
    ["text/plain", "application/json; charset=utf-8", "image/png", "application/octet-stream",
     "TEXT/HTML", "", ";;", "multipart/form-data; boundary=x"]
)  # fmt: skip
HEADERS = st.lists(
    st.tuples(HEADER_NAMES, LATIN | ANY_TEXT) | st.tuples(st.just("Content-Type"), CONTENT_TYPES),
    max_size=6,
)
REQUESTS = st.builds(
    HttpRequest,
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) | LATIN,
    path=st.just("/") | LATIN.map(lambda text: "/" + text) | ANY_TEXT,
    query=LATIN | ANY_TEXT | st.sampled_from(["a=1&a=2&b", "%zz=%e9&=&&x=+y", "k=%E2%82%AC"]),
    headers=HEADERS.map(tuple),
    body=st.binary(max_size=64) | ANY_TEXT.map(str.encode),
    client_port=st.integers(0, 65535),
    server_port=st.integers(1, 65535),
    scheme=st.sampled_from(["http", "https"]),
)

# Response documents: the right members with every kind of wrong value, plus any JSON at all.
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
STATUS = st.integers(-5, 700) | st.sampled_from(["200", "404", "²", "٣٠٠", "", "2OO"]) | JSON
DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "statusCode": STATUS,
        "statusDescription": ANY_TEXT | st.just("200 OK\r\nSet-Cookie: injected=1"),
        "headers": st.dictionaries(ANY_TEXT, ANY_TEXT | JSON, max_size=3) | JSON,
        "multiValueHeaders": st.dictionaries(
            ANY_TEXT, st.lists(ANY_TEXT, max_size=2) | JSON, max_size=3
        )
        | JSON,
        "cookies": st.lists(ANY_TEXT, max_size=3) | JSON,
        "body": ANY_TEXT | st.just("aGVsbG8=") | st.just("not base64!") | JSON,
        "isBase64Encoded": st.booleans() | JSON,
    },
)
PAYLOADS = (
    DOCUMENTS.map(lambda d: json.dumps(d).encode())
    | JSON.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=40)
)


def _echo() -> FakeLambda:
    return FakeLambda(lambda event, context: {"statusCode": 200, "body": json.dumps(event)})


def _doors(invoke: FakeLambda) -> dict[str, object]:
    multi = TargetGroup("multi", "f")
    multi.set_attribute(MULTI_VALUE_ATTRIBUTE, True)
    alb = LoadBalancer("alb", invoke, TargetGroup("single", "f"))
    alb.add_rule("/multi*", multi)
    rest = RestApi("rest", invoke, binary_media_types=("image/*",))
    rest.add_route("ANY", "/{proxy+}", "f")
    rest.add_route("GET", "/items/{id}", "f")
    http_api = HttpApi("http", invoke)
    http_api.add_route("GET /items/{id}", "f")
    http_api.add_route("$default", "f")
    return {
        "alb": alb,
        "rest": rest,
        "http": http_api,
        "url": FunctionUrl("f", invoke),
        "url-iam": FunctionUrl("f", invoke, auth_type="AWS_IAM"),
    }


def _check_response(response) -> None:
    assert 100 <= response.status <= 599
    assert isinstance(response.body, bytes)
    assert all(isinstance(name, str) and isinstance(value, str) for name, value in response.headers)
    response.status_line()


# -- request -> event ---------------------------------------------------------------------------


@FUZZ
@given(
    request=REQUESTS,
    stage_path=st.sampled_from(["/prod", "/prod/", "/prod/items/%zz", "/prod/a/b"]),
)
def test_any_request_becomes_a_json_event_or_the_door_s_own_answer(request, stage_path) -> None:
    invoke = _echo()
    for name, door in _doors(invoke).items():
        asked = dataclasses.replace(request, path=stage_path) if name == "rest" else request
        exchange = door.handle(asked)
        _check_response(exchange.response)
        if exchange.event is not None:
            assert json.loads(json.dumps(exchange.event)) == exchange.event, name  # JSON, all of it
        if exchange.error_reason is None:
            assert invoke.events, name  # answered by the function, so it really ran


def _sent_body(event: dict) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event["isBase64Encoded"] else body.encode()


@FUZZ
@given(request=REQUESTS, multi=st.booleans())
def test_alb_events_keep_the_body_and_the_last_or_every_value(request, multi) -> None:
    invoke = _echo()
    group = TargetGroup("tg", "f")
    group.set_attribute(MULTI_VALUE_ATTRIBUTE, multi)
    request = dataclasses.replace(request, path="/" + request.path.lstrip("/"))
    exchange = LoadBalancer("alb", invoke, group).handle(request)
    if exchange.event is None:  # refused before Lambda: WebSocket upgrade or too large
        assert exchange.error_reason in ("WebSocketsUnsupported", "LambdaRequestTooLarge")
        return
    event = exchange.event
    if event["isBase64Encoded"]:
        assert _sent_body(event) == request.body
    else:
        assert event["body"] == request.body.decode("utf-8", errors="replace")
    headers = event["multiValueHeaders"] if multi else event["headers"]
    assert all(name == name.lower() for name in headers)
    for name, _value in request.headers:
        if name.lower() not in (
            "x-forwarded-for",
            "x-forwarded-port",
            "x-forwarded-proto",
            "x-amzn-trace-id",
        ):
            sent = [v for k, v in request.headers if k.lower() == name.lower()]
            assert headers[name.lower()] == (sent if multi else sent[-1])


@FUZZ
@given(request=REQUESTS)
def test_payload_2_events_join_repeats_and_move_cookies(request) -> None:
    invoke = _echo()
    exchange = FunctionUrl("f", invoke).handle(request)
    if exchange.event is None:
        return
    event = exchange.event
    assert "cookie" not in event["headers"]
    cookies = [
        c.strip()
        for k, v in request.headers
        if k.lower() == "cookie"
        for c in v.split(";")
        if c.strip()
    ]
    assert event.get("cookies", []) == cookies
    if event["isBase64Encoded"]:
        assert _sent_body(event) == request.body
    else:
        assert event.get("body", "") == request.body.decode("utf-8", errors="replace")
    assert event["rawQueryString"] == request.query


# -- response document -> HTTP ------------------------------------------------------------------


@FUZZ
@given(payload=PAYLOADS)
def test_any_function_answer_is_a_response_or_rejected_as_malformed(payload: bytes) -> None:
    converters = {
        "alb": lambda: alb_response(payload, False),
        "alb multi-value": lambda: alb_response(payload, True),
        "rest": lambda: v1_response(payload),
        "rest binary": lambda: v1_response(payload, ("*/*",), "image/png"),
        "payload 2.0": lambda: v2_response(payload),
    }
    for _name, convert in converters.items():
        response = convert()  # never raises: None means "malformed", the door's 502/500
        if response is not None:
            _check_response(response)


@FUZZ
@given(answer=DOCUMENTS | JSON)
def test_doors_answer_a_malformed_document_with_their_own_error(answer) -> None:
    invoke = FakeLambda(lambda event, context: answer)
    for name, door in _doors(invoke).items():
        if name == "url-iam":
            continue  # an unsigned request never reaches the function
        exchange = door.handle(
            HttpRequest.build("GET", "/prod/items/1" if name == "rest" else "/items/1")
        )
        _check_response(exchange.response)
        if exchange.error_reason is not None:
            assert exchange.response.status in (500, 502), (name, exchange.error_reason)


@pytest.mark.parametrize("status", ["²", "٣٠٠", "2OO", ""])
def test_a_status_code_in_other_digits_is_malformed_not_a_crash(status: str) -> None:
    assert v1_response(json.dumps({"statusCode": status}).encode()) is None


# -- the socket shell ---------------------------------------------------------------------------

REQUEST_LINES = st.sampled_from(
    [b"GET / HTTP/1.1", b"POST /x?a=1 HTTP/1.1", b"GET http://h/p?q HTTP/1.1", b"BREW / HTTP/1.1",
     b"GET /", b"", b"\xff\xfe / HTTP/1.1", b"GET / HTTP/9.9"]
) | st.binary(max_size=24)  # fmt: skip
RAW_HEADERS = st.sampled_from(
    [b"Content-Length: 5", b"Content-Length: \xb2", b"Content-Length: -1", b"Content-Length: 99999999999",
     b"Content-Length: 999999999999999999999999", b"Transfer-Encoding: chunked", b"Host: x",
     b"X: \xff\xfe", b"Content-Type: text/plain", b": empty name"]
) | st.binary(max_size=16)  # fmt: skip
CHUNKED_BODIES = st.sampled_from(
    [b"5\r\nhello\r\n0\r\n\r\n", b"-5\r\nx\r\n", b"zz\r\n", b"FFFFFFFFFF\r\nx"]
)


@pytest.fixture(scope="module")
def listener():
    door = LoadBalancer("raw", _echo(), TargetGroup("tg", "f"))
    with Listener(door) as served:
        yield served


def _exchange_bytes(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    line=REQUEST_LINES,
    headers=st.lists(RAW_HEADERS, max_size=4),
    body=CHUNKED_BODIES | st.binary(max_size=24),
)
def test_the_listener_answers_any_bytes_and_stays_up(listener, line, headers, body) -> None:
    answer = _exchange_bytes(
        listener.port, line + b"\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body
    )
    # An HTTP/1.x answer; or none (an empty request line); or, for a one-word request line
    # (HTTP/0.9 to http.server), its error page without a status line.
    assert answer == b"" or answer.startswith((b"HTTP/1.", b"<!DOCTYPE HTML>")), answer[:80]
    assert listener.errors == []
    assert _exchange_bytes(
        listener.port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"
    ).startswith(b"HTTP/1.1 200")


def test_the_listener_refuses_huge_bodies_without_reading_them(listener) -> None:
    for length in (b"99999999999", b"999999999999999999999999"):
        answer = _exchange_bytes(
            listener.port, b"POST / HTTP/1.1\r\nContent-Length: " + length + b"\r\n\r\nabc"
        )
        assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
        assert b"Connection: close" in answer
    answer = _exchange_bytes(listener.port, b"POST / HTTP/1.1\r\nContent-Length: \xb2\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert listener.errors == []
    assert _exchange_bytes(
        listener.port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"
    ).startswith(b"HTTP/1.1 200")


def test_a_status_description_cannot_add_header_lines() -> None:
    injected = {
        "statusCode": 200,
        "statusDescription": "200 OK\r\nSet-Cookie: injected=1",
        "body": "x",
    }
    with Listener(
        LoadBalancer("alb", FakeLambda(lambda e, c: injected), TargetGroup("tg", "f"))
    ) as served:
        answer = _exchange_bytes(served.port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    head = answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert not any(line.lower().startswith(b"set-cookie") for line in head), head


# -- every door of a real Lab, over real sockets --------------------------------------------------

DOOR_INPUTS = {
    "Content-Length abc": (b"POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: abc\r\n\r\n{}", 400),
    "Content-Length -5": (b"POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: -5\r\n\r\n", 400),
    "Content-Length 99999999999": (
        b"POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 99999999999\r\n\r\n",
        413,
    ),
    "100 MB announced": (
        b"POST /x HTTP/1.1\r\nHost: d\r\nContent-Length: 104857600\r\n\r\n" + b"x" * 65536,
        413,
    ),
    "bad request line": (b"GARBAGE\r\n\r\n", 400),
    "bad header line": (b"GET /x HTTP/1.1\r\nno colon\r\n\r\n", 400),
    "bad chunk size": (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
}


@pytest.fixture(scope="module")
def lab_doors():
    from real_http import ECHO

    from lambda_lab import Lab

    with Lab() as lab:
        lab.deploy("echo", ECHO)
        client = lab.client("lambda")
        client.create_function_url_config(FunctionName="echo", AuthType="NONE")
        for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):  # public since 10/2025
            client.add_permission(
                FunctionName="echo", StatementId=action.split(":")[1], Action=action, Principal="*",
                **({"FunctionUrlAuthType": "NONE"} if action.endswith("Url") else {}),
            )  # fmt: skip
        doors = {
            "alb": lab.alb("fuzz-alb", "echo"),
            "http api": lab.http_api("fuzz-http", "echo"),
            "rest api": lab.rest_api_gateway("fuzz-rest", "echo"),
            "function url": lab.front_doors().function_urls.served({"FunctionName": "echo"}),
        }
        yield doors
        for door in doors.values():
            assert door.listener.errors == []  # no door crashed on anything it was sent


def _door_answer(door, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", door.port), timeout=20) as conn:
        try:
            conn.sendall(data)
            return conn.recv(65536)
        except ConnectionResetError:
            return b""


@pytest.mark.parametrize("door_name", ["alb", "http api", "rest api", "function url"])
@pytest.mark.parametrize("case", list(DOOR_INPUTS))
def test_every_door_refuses_broken_framing_and_keeps_answering(lab_doors, door_name, case):
    door = lab_doors[door_name]
    data, status = DOOR_INPUTS[case]
    answer = _door_answer(door, data)
    assert answer.startswith(b"HTTP/1.1 %d " % status), answer[:120]
    base = door.base_path.rstrip("/")
    ok = _door_answer(door, f"GET {base}/ok HTTP/1.1\r\nHost: d\r\n\r\n".encode())
    assert ok.startswith(b"HTTP/1.1 200 "), ok[:200]


@pytest.mark.parametrize("door_name", ["alb", "http api", "rest api", "function url"])
def test_a_body_nested_50000_deep_reaches_the_function_as_text(lab_doors, door_name):
    door = lab_doors[door_name]
    deep = b"[" * 50_000 + b"]" * 50_000
    limit = 1024 * 1024 if door_name == "alb" else 6 * 1024 * 1024
    assert len(deep) < limit
    base = door.base_path.rstrip("/")
    answer = _door_answer(
        door,
        f"POST {base}/deep HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(deep)}\r\nConnection: close\r\n\r\n".encode()
        + deep,
    )
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
