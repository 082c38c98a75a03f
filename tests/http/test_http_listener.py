"""Real HTTP over loopback sockets to every kind of front door."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import urllib.error
import urllib.request

import pytest
from fake_lambda import CONSOLE_DEFAULT, LECTURE_HTML, FakeLambda, returning

from lambda_lab.http import (
    FrontDoorConfigError,
    FunctionUrl,
    HttpApi,
    Listener,
    LoadBalancer,
    RestApi,
    TargetGroup,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


def send(
    listener: Listener,
    method: str,
    target: str,
    headers: list[tuple[str, str]] = (),
    body: bytes = b"",
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request written header by header, so names may repeat exactly as given."""
    connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=10)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def alb_listener(lam: FakeLambda, multi: bool = False) -> Listener:
    group = TargetGroup("my-target-group", "demo-lambda")
    group.set_attribute("lambda.multi_value_headers.enabled", multi)
    return Listener(LoadBalancer("demo-alb", lam, group))


REPEATED = [
    ("Cookie", "name1=value1"),
    ("Cookie", "name2=value2"),
    ("X-Custom", "A"),
    ("X-Custom", "B"),
]


@pytest.mark.parametrize("multi", [False, True], ids=["single-value", "multi-value"])
def test_alb_events_over_http(echo, multi):
    with alb_listener(echo, multi) as listener:
        status, _, _ = send(listener, "GET", "/path/to?myKey=val1&myKey=val2&enc=a%2Fb", REPEATED)
        text_status, _, _ = send(
            listener,
            "POST",
            "/form",
            [("Content-Type", "text/plain; charset=utf-8")],
            "héllo".encode(),
        )
        binary_status, _, _ = send(
            listener, "POST", "/upload", [("Content-Type", "image/png")], PNG
        )
    assert (status, text_status, binary_status) == (200, 200, 200)
    get, text, binary = echo.events
    assert get["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-target-group/"
    )
    assert (get["httpMethod"], get["path"], get["body"], get["isBase64Encoded"]) == (
        "GET",
        "/path/to",
        "",
        False,
    )
    if multi:
        assert set(get) == {
            "requestContext",
            "httpMethod",
            "path",
            "multiValueQueryStringParameters",
            "multiValueHeaders",
            "body",
            "isBase64Encoded",
        }
        assert get["multiValueQueryStringParameters"] == {
            "myKey": ["val1", "val2"],
            "enc": ["a%2Fb"],
        }
        headers = get["multiValueHeaders"]
        assert headers["cookie"] == ["name1=value1", "name2=value2"] and headers["x-custom"] == [
            "A",
            "B",
        ]
        assert headers["x-forwarded-for"] == ["127.0.0.1"] and headers["x-forwarded-proto"] == [
            "http"
        ]
        assert headers["x-forwarded-port"] == [str(listener.port)]
    else:
        assert set(get) == {
            "requestContext",
            "httpMethod",
            "path",
            "queryStringParameters",
            "headers",
            "body",
            "isBase64Encoded",
        }
        assert get["queryStringParameters"] == {"myKey": "val2", "enc": "a%2Fb"}
        headers = get["headers"]
        assert headers["cookie"] == "name2=value2" and headers["x-custom"] == "B"
        assert headers["host"] == f"127.0.0.1:{listener.port}"
        assert headers["x-amzn-trace-id"].startswith("Root=1-")
    assert all(name == name.lower() for name in (get.get("headers") or get["multiValueHeaders"]))
    assert (text["body"], text["isBase64Encoded"]) == ("héllo", False)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (PNG, True)


def test_console_default_handler_downloads_and_html_document_renders():
    with alb_listener(returning(CONSOLE_DEFAULT)) as listener:
        status, headers, body = send(listener, "GET", "/")
    content_type = dict(headers)["Content-Type"]
    assert status == 200 and body == b'"Hello from Lambda!"'
    assert "text/html" not in content_type and content_type == "application/octet-stream"
    with alb_listener(returning(LECTURE_HTML)) as listener:
        status, headers, body = send(listener, "GET", "/")
    assert (status, dict(headers)["Content-Type"], body) == (
        200,
        "text/html",
        b"<h1>Hello from Lambda!</h1>",
    )


def test_bare_string_through_alb_is_502_page():
    with alb_listener(returning("Hello from Lambda!")) as listener:
        status, headers, body = send(listener, "GET", "/")
    assert status == 502 and dict(headers)["Server"] == "awselb/2.0"
    assert b"502 Bad Gateway" in body


def test_multi_value_response_headers_arrive_repeated():
    lam = returning(
        {
            "statusCode": 200,
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "Content-Type": ["text/plain"]},
            "body": "ok",
        }
    )
    with alb_listener(lam, multi=True) as listener:
        _, headers, _ = send(listener, "GET", "/")
    assert [value for name, value in headers if name == "Set-Cookie"] == ["a=1", "b=2"]


def test_rest_api_over_http(echo):
    api = RestApi("shop", echo, "prod", binary_media_types=("image/png",))
    api.add_route("ANY", "/{proxy+}", "shop-fn")
    with Listener(api) as listener:
        send(listener, "GET", "/prod/items/7?tag=a&tag=b", REPEATED)
        send(listener, "PUT", "/prod/img", [("Content-Type", "image/png")], PNG)
        missing, _, missing_body = send(listener, "GET", "/items/7")
    get, put = echo.events
    assert get["resource"] == "/{proxy+}" and get["pathParameters"] == {"proxy": "items/7"}
    assert get["multiValueHeaders"]["Cookie"] == ["name1=value1", "name2=value2"]
    assert get["headers"]["X-Custom"] == "B" and get["multiValueHeaders"]["X-Custom"] == ["A", "B"]
    assert get["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert get["queryStringParameters"] == {"tag": "b"}
    assert (base64.b64decode(put["body"]), put["isBase64Encoded"]) == (PNG, True)
    assert (missing, json.loads(missing_body)) == (403, {"message": "Forbidden"})


def test_http_api_and_function_url_over_http(echo):
    api = HttpApi("shop", echo)
    api.add_route("GET /items/{id}", "items-fn")
    function_url = FunctionUrl("demo-lambda", echo)
    for door in (api, function_url):
        with Listener(door) as listener:
            status, _, body = send(listener, "GET", "/items/7?x=1&x=2", REPEATED)
            send(listener, "GET", "/items/8", [("Content-Type", "application/octet-stream")], PNG)
        assert status == 200 and json.loads(body) == echo.events[-2]
        event, binary = echo.events[-2:]
        assert event["version"] == "2.0" and event["cookies"] == ["name1=value1", "name2=value2"]
        assert event["headers"]["x-custom"] == "A,B" and event["queryStringParameters"] == {
            "x": "1,2"
        }
        assert event["rawQueryString"] == "x=1&x=2"
        assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (PNG, True)
    assert (
        echo.events[0]["routeKey"] == "GET /items/{id}" and echo.events[2]["routeKey"] == "$default"
    )
    assert echo.events[2]["requestContext"]["authorizer"] is None


def test_chunked_bodies_keep_alive_and_head(echo):
    with alb_listener(echo) as listener:
        connection = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=10)
        connection.request(
            "POST",
            "/c",
            body=iter([b"part one, ", b"part two"]),
            headers={"Content-Type": "text/plain"},
            encode_chunked=True,
        )
        first = connection.getresponse()
        first.read()
        connection.request("HEAD", "/h")  # same connection: keep-alive
        head = connection.getresponse()
        assert head.read() == b"" and int(head.getheader("Content-Length")) > 0
        connection.close()
    assert first.status == 200 and echo.events[0]["body"] == "part one, part two"
    assert echo.events[1]["httpMethod"] == "HEAD"


def test_listener_binds_loopback_only_and_close_ends_everything(echo):
    before = {thread.ident for thread in threading.enumerate()}
    listener = alb_listener(echo)
    assert listener.shell.address == ("127.0.0.1", listener.port)
    with pytest.raises(OSError):  # another loopback address: nothing listens there
        socket.create_connection(("127.0.0.2", listener.port), timeout=2).close()
    idle = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=10)
    idle.request("GET", "/")
    idle.getresponse().read()  # the connection stays open (keep-alive) and its thread waits
    listener.close()
    assert listener.closed and "closed" in repr(listener)
    assert {thread.ident for thread in threading.enumerate()} <= before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    idle.close()
    listener.close()  # a second close is harmless


def test_listener_refuses_other_addresses(echo):
    with pytest.raises(FrontDoorConfigError, match="127.0.0.1 only"):
        Listener(LoadBalancer("a", echo, TargetGroup("t", "f")), host="0.0.0.0")


def test_a_crashing_front_door_answers_500_and_keeps_serving():
    class Broken:
        name = "broken"

        def handle(self, request):
            raise RuntimeError("converter bug")

    with Listener(Broken()) as listener:
        for _ in range(2):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(listener.local_url, timeout=10)
            assert caught.value.code == 500 and b"converter bug" in caught.value.read()
        assert [type(error) for error in listener.errors] == [RuntimeError, RuntimeError]


def test_a_function_cannot_inject_header_lines():
    lam = returning({"statusCode": 200, "headers": {"X-Note": "a\r\nX-Evil: 1"}, "body": "ok"})
    with alb_listener(lam) as listener:
        _, headers, body = send(listener, "GET", "/")
    assert dict(headers)["X-Note"] == "a  X-Evil: 1" and "X-Evil" not in dict(headers)
    assert body == b"ok"


def test_print_url_names_the_door_and_a_rest_api_s_stage(echo, monkeypatch, capsys):
    for name in (
        "JUPYTERHUB_PUBLIC_URL",
        "JUPYTERHUB_SERVICE_PREFIX",
        "JUPYTER_SERVER_URL",
        "JPY_PARENT_PID",
    ):
        monkeypatch.delenv(name, raising=False)
    api = RestApi("shop", echo, "prod")
    api.add_route("GET", "/", "f")
    with Listener(api) as listener:
        listener.print_url()
        assert listener.url == f"http://127.0.0.1:{listener.port}/prod/"
        status, _, _ = send(listener, "GET", "/prod/")
    assert capsys.readouterr().out == f"shop: http://127.0.0.1:{listener.port}/prod/\n"
    assert status == 200
