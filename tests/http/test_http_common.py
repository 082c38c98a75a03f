"""The pieces every front door shares: requests, query strings, bodies, ids, the Lambda call."""

from __future__ import annotations

import base64
import re

import pytest
from fake_lambda import FakeLambda, ServiceError

from lambda_lab.http.common import (
    HttpRequest,
    HttpResponse,
    call_function,
    clf_time,
    continue_trace,
    encode_body,
    forwarded_headers,
    group_headers,
    is_text,
    new_trace_id,
    split_query,
    stable_id,
)


def test_build_splits_target_and_keeps_header_repeats_and_case():
    request = HttpRequest.build("post", "/a/b?x=1&x=2", [("X-Key", "1"), ("x-key", "2")], "hé")
    assert (request.method, request.path, request.query) == ("POST", "/a/b", "x=1&x=2")
    assert request.headers == (("X-Key", "1"), ("x-key", "2"))
    assert request.body == "hé".encode()
    assert request.header("X-KEY") == "2" and request.header_values("x-key") == ["1", "2"]
    assert request.target == "/a/b?x=1&x=2"


def test_group_headers_lowercases_or_keeps_first_spelling():
    pairs = [("Accept", "a"), ("ACCEPT", "b"), ("Host", "h")]
    assert group_headers(pairs) == {"accept": ["a", "b"], "host": ["h"]}
    assert group_headers(pairs, lower=False) == {"Accept": ["a", "b"], "Host": ["h"]}


def test_split_query_raw_and_decoded():
    assert split_query("&myKey=val1&myKey=val2&flag&e=", decode=False) == [
        ("myKey", "val1"),
        ("myKey", "val2"),
        ("flag", ""),
        ("e", ""),
    ]
    assert split_query("q=a%20b+c&k%3D=v", decode=False) == [("q", "a%20b+c"), ("k%3D", "v")]
    assert split_query("q=a%20b+c&k%3D=v", decode=True) == [("q", "a b c"), ("k=", "v")]


@pytest.mark.parametrize(
    "content_type, text",
    [
        ("text/plain", True),
        ("text/html; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/javascript", True),
        ("application/xml", True),
        ("image/png", False),
        ("application/octet-stream", False),
        (None, False),
        ("application/x-www-form-urlencoded", False),
    ],
)
def test_text_content_types_are_alb_s_four(content_type, text):
    assert is_text(content_type) is text


def test_encode_body():
    assert encode_body(b"", as_text=False) == ("", False)
    assert encode_body(b"hi", as_text=True) == ("hi", False)
    assert encode_body(b"\x89PNG", as_text=False) == (base64.b64encode(b"\x89PNG").decode(), True)


def test_forwarded_headers_append_the_client_to_x_forwarded_for():
    request = HttpRequest.build(
        "GET",
        "/",
        [("Host", "h"), ("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-Proto", "spoofed")],
        client_ip="192.0.2.7",
        server_port=8080,
        scheme="http",
    )
    headers = dict(forwarded_headers(request, "Root=1-x"))
    assert headers["X-Forwarded-For"] == "10.0.0.1, 192.0.2.7"
    assert headers["X-Forwarded-Port"] == "8080"
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Amzn-Trace-Id"] == "Root=1-x"


def test_trace_ids_follow_x_ray_format_and_keep_the_client_root():
    assert re.fullmatch(r"Root=1-5e6a8a2e-[0-9a-f]{24}", new_trace_id(1584040494))
    sent = "Root=1-5e6a8a2e-000000000000000000000001"
    request = HttpRequest.build("GET", "/", [("X-Amzn-Trace-Id", sent)])
    assert re.fullmatch(r"Self=1-[0-9a-f]{8}-[0-9a-f]{24};" + sent, continue_trace(request))


def test_stable_ids_and_times():
    assert stable_id("a", "b", length=16) == stable_id("a", "b", length=16)
    assert stable_id("a", "b", length=16) != stable_id("a", "c", length=16)
    assert re.fullmatch(r"[0-9a-f]{16}", stable_id("x", length=16))
    assert clf_time(1583348638.39) == "04/Mar/2020:19:03:58 +0000"


def test_response_defaults_the_reason_phrase():
    assert HttpResponse(502).reason == "Bad Gateway"
    assert HttpResponse(200, [("A", "1"), ("a", "2")]).header_values("A") == ["1", "2"]


def test_call_function_turns_service_errors_into_data_and_lets_bugs_through():
    lam = FakeLambda(
        lambda event, context: 1, raise_error=ServiceError("TooManyRequestsException", 429)
    )
    outcome = call_function(lam, "f", {})
    assert outcome.rejected_code == "TooManyRequestsException" and not outcome.ok

    def broken_invoke(name, event, qualifier=None):
        raise KeyError("a bug, not an AWS error")

    with pytest.raises(KeyError):
        call_function(broken_invoke, "f", {})


def test_call_function_reports_a_failed_handler():
    def fail(event, context):
        raise ValueError("boom")

    outcome = call_function(FakeLambda(fail), "f", {})
    assert outcome.function_error == "Unhandled" and outcome.error_type == "ValueError"
    assert b'"errorMessage": "boom"' in outcome.payload


def test_public_surface_is_deliberate():
    import lambda_lab.http

    assert lambda_lab.http.__all__ == [
        "Exchange",
        "FrontDoor",
        "FrontDoorConfigError",
        "FunctionUrl",
        "HttpApi",
        "HttpRequest",
        "HttpResponse",
        "Listener",
        "LoadBalancer",
        "RestApi",
        "ServedApi",
        "ServedDoor",
        "ServedLoadBalancer",
        "TargetGroup",
        "Transport",
        "public_url",
    ]
    assert all(hasattr(lambda_lab.http, name) for name in lambda_lab.http.__all__)
