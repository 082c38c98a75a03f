"""The request builder, driven the way ipywidgets' own tests do: set ``.value``, ``.click()``."""

from __future__ import annotations

import json

import pytest
from fake_lambda import CONSOLE_DEFAULT, returning

from lambda_lab.widgets.http import HttpRequestBuilder, parse_header_lines

pytest.importorskip("ipywidgets")


def test_header_lines_keep_repeats_and_reject_garbage():
    assert parse_header_lines("Cookie: a=1\n\nCookie: b=2\nX-Empty:") == [
        ("Cookie", "a=1"),
        ("Cookie", "b=2"),
        ("X-Empty", ""),
    ]
    with pytest.raises(
        ValueError, match="header line 2 must look like 'Name: value' \\(got 'oops'\\)"
    ):
        parse_header_lines("A: 1\noops")
    with pytest.raises(ValueError, match="header line 1"):
        parse_header_lines("Bad Name: 1")


def test_alb_request_in_both_multi_value_modes(echo):
    builder = HttpRequestBuilder(echo, "demo-lambda")
    builder.path.value = "/hello"
    builder.query.value = "myKey=val1&myKey=val2"
    builder.headers.value = "Cookie: name1=value1\nCookie: name2=value2"
    builder.send.click()
    event = json.loads(builder.texts["event"])
    assert (
        event["queryStringParameters"] == {"myKey": "val2"}
        and event["headers"]["cookie"] == "name2=value2"
    )
    assert builder.texts["request"].startswith(
        "GET /hello?myKey=val1&myKey=val2 HTTP/1.1\nHost: localhost"
    )
    assert builder.texts["response"].startswith("HTTP/1.1 200 OK\nContent-Type: application/json")
    assert "HTTP/1.1 200 OK" in builder.status.value

    builder.multi_value.value = True
    builder.send.click()
    event = json.loads(builder.texts["event"])
    assert event["multiValueQueryStringParameters"] == {"myKey": ["val1", "val2"]}
    assert event["multiValueHeaders"]["cookie"] == ["name1=value1", "name2=value2"]
    assert "&quot;multiValueHeaders&quot;" in builder._panes["event"].value  # shown, escaped


def test_console_default_and_bare_string_through_the_widget():
    builder = HttpRequestBuilder(returning(CONSOLE_DEFAULT), "demo-lambda")
    builder.send.click()
    assert "Content-Type: application/octet-stream" in builder.texts["response"]
    assert '"statusCode": 200' in builder.texts["payload"]

    builder = HttpRequestBuilder(returning("Hello from Lambda!"), "demo-lambda")
    builder.send.click()
    assert builder.texts["response"].startswith("HTTP/1.1 502 Bad Gateway")
    assert "LambdaInvalidResponse" in builder.status.value
    assert builder.texts["payload"] == '"Hello from Lambda!"'


@pytest.mark.parametrize(
    "door, marker",
    [
        ("rest", '"resource": "/{proxy+}"'),
        ("http", '"routeKey": "$default"'),
        ("url", '"domainName": "'),
    ],
)
def test_other_doors_with_a_text_body(echo, door, marker):
    builder = HttpRequestBuilder(echo, "demo-lambda", door=door)
    builder.method.value = "POST"
    builder.path.value = "/items/1"
    builder.headers.value = "Content-Type: text/plain"
    builder.body.value = "hello"
    builder.send.click()
    assert (
        marker in builder.texts["event"] and json.loads(builder.texts["event"])["body"] == "hello"
    )
    assert "Content-Length: 5" in builder.texts["request"]
    assert builder.last.response.status == 200


def test_switching_doors_reuses_each_door_and_bad_input_sends_nothing(echo):
    builder = HttpRequestBuilder(echo, "demo-lambda")
    first = builder.front_door()
    builder.door.value = "http"
    assert builder.front_door() is not first
    builder.door.value = "alb"
    assert builder.front_door() is first
    builder.headers.value = "no colon here"
    builder.send.click()
    assert "header line 1" in builder.status.value and echo.events == []
    builder.headers.value = ""
    builder.path.value = "relative"
    assert builder.submit() is None and "must start with" in builder.status.value


def test_unknown_door_is_refused(echo):
    with pytest.raises(
        ValueError, match="door must be one of alb, rest, http, url \\(got 'nlb'\\)"
    ):
        HttpRequestBuilder(echo, "f", door="nlb")


def test_the_widget_renders_as_a_widget(echo):
    bundle = HttpRequestBuilder(echo, "f")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
