"""API Gateway proxy integrations: routes, REST API payload 1.0 and HTTP API payload 2.0."""

from __future__ import annotations

import base64
import json

import pytest
from fake_lambda import FakeLambda, ServiceError, returning

from lambda_lab.http import FrontDoorConfigError, HttpApi, RestApi, Transport
from lambda_lab.http.apigateway import v1_response
from lambda_lab.http.payload_v2 import v2_response
from lambda_lab.http.routes import Router, make_route, parse_route_key

# -- routes -----------------------------------------------------------------------------------


def test_most_specific_route_wins():
    router = Router(allow_default=True)
    for key in (
        "ANY /{proxy+}",
        "GET /items/{id}",
        "GET /items/special",
        "ANY /items/{id}",
        "GET /items/{id}/{rest+}",
        "$default",
    ):
        method, template = parse_route_key(key)
        router.add(make_route(method or "ANY", template, "f"))

    def chosen(method, path):
        route, params = router.find(method, path)
        return route.key, params

    assert chosen("GET", "/items/special") == ("GET /items/special", {})
    assert chosen("GET", "/items/a%20b") == ("GET /items/{id}", {"id": "a b"})
    assert chosen("POST", "/items/7") == ("ANY /items/{id}", {"id": "7"})
    assert chosen("GET", "/items/7/x/y") == ("GET /items/{id}/{rest+}", {"id": "7", "rest": "x/y"})
    assert chosen("DELETE", "/other/deep") == ("ANY /{proxy+}", {"proxy": "other/deep"})
    assert chosen("GET", "/") == ("$default", {})  # a greedy variable needs at least one segment


@pytest.mark.parametrize(
    "key, message",
    [
        ("FETCH /x", "route key must be"),
        ("GET", "route key must be"),
        ("GET x", "must start with '/'"),
        ("GET /{proxy+}/x", "must be the last segment"),
        ("GET /{a}/{a}", "appears twice"),
        ("GET /a{b}", "must be a literal"),
    ],
)
def test_bad_route_keys_are_refused_with_the_reason(key, message):
    with pytest.raises(FrontDoorConfigError, match=message) as caught:
        method, template = parse_route_key(key)
        make_route(method, template, "f")
    assert caught.value.code == "BadRequestException"


def test_duplicate_routes_and_rest_default_are_refused():
    api = HttpApi("api", returning(None))
    api.add_route("GET /a", "f")
    with pytest.raises(FrontDoorConfigError) as caught:
        api.add_route("GET /a", "g")
    assert caught.value.code == "ConflictException"
    with pytest.raises(FrontDoorConfigError, match="no \\$default"):
        RestApi("api", returning(None)).router.add(make_route("", "$default", "f"))


# -- REST API, payload 1.0 -------------------------------------------------------------------------


def rest(lam: FakeLambda, **options) -> Transport:
    api = RestApi("shop", lam, "prod", now=lambda: 1583349317.135, **options)
    api.add_route("GET", "/items/{id}", "items-fn")
    api.add_route("ANY", "/{proxy+}", "catch-all", qualifier="live")
    return Transport(api)


def test_rest_event_fields(echo):
    exchange = rest(echo, stage_variables={"color": "blue"}).request(
        "GET",
        "/prod/items/42?tag=a&tag=b%20c",
        [("Accept", "text/html"), ("X-Rep", "1"), ("x-rep", "2"), ("User-Agent", "curl/8")],
    )
    event = exchange.event
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/items/{id}",
        "/items/42",
        "GET",
    )
    assert event["headers"]["X-Rep"] == "2" and event["multiValueHeaders"]["X-Rep"] == ["1", "2"]
    assert event["headers"]["Accept"] == "text/html"  # REST keeps the client's spelling
    assert event["queryStringParameters"] == {"tag": "b c"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b c"]}
    assert event["pathParameters"] == {"id": "42"} and event["stageVariables"] == {"color": "blue"}
    assert (event["body"], event["isBase64Encoded"]) == (None, False)
    context = event["requestContext"]
    assert {
        "accountId",
        "resourceId",
        "stage",
        "requestId",
        "identity",
        "resourcePath",
        "httpMethod",
        "apiId",
        "requestTime",
        "requestTimeEpoch",
        "path",
        "protocol",
        "domainName",
    } <= set(context)
    assert (context["stage"], context["path"], context["resourcePath"]) == (
        "prod",
        "/prod/items/42",
        "/items/{id}",
    )
    assert (
        context["requestTime"] == "04/Mar/2020:19:15:17 +0000"
        and context["requestTimeEpoch"] == 1583349317135
    )
    assert (
        context["identity"]["sourceIp"] == "127.0.0.1"
        and context["identity"]["userAgent"] == "curl/8"
    )
    assert context["domainName"] == f"{context['apiId']}.execute-api.us-east-1.amazonaws.com"
    assert exchange.response.header("x-amzn-RequestId") == context["requestId"]
    assert echo.calls == [("items-fn", None)]


def test_rest_event_without_query_or_parameters_uses_nulls(echo):
    event = (
        rest(echo)
        .request("POST", "/prod/anything/deep", [("Content-Type", "text/plain")], "hi")
        .event
    )
    assert (
        event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    )
    assert event["pathParameters"] == {"proxy": "anything/deep"} and event["stageVariables"] is None
    assert (event["body"], event["isBase64Encoded"]) == ("hi", False)
    assert echo.calls == [("catch-all", "live")]


def test_rest_binary_bodies_need_binary_media_types(echo):
    png = b"\x89PNG\r\n\x1a\n"
    plain = rest(echo).request("POST", "/prod/up", [("Content-Type", "image/png")], png).event
    assert plain["isBase64Encoded"] is False
    binary = (
        rest(echo, binary_media_types=("image/*",))
        .request("POST", "/prod/up", [("Content-Type", "image/png")], png)
        .event
    )
    assert (binary["body"], binary["isBase64Encoded"]) == (base64.b64encode(png).decode(), True)


def test_rest_unknown_stage_or_route_never_reaches_the_function(echo):
    wrong_stage = rest(echo).request("GET", "/dev/items/1")
    assert (wrong_stage.response.status, wrong_stage.response.json()) == (
        403,
        {"message": "Forbidden"},
    )
    api = RestApi("a", echo)
    api.add_route("GET", "/only", "f")
    missing = Transport(api).request("POST", "/prod/only")
    assert missing.response.status == 403
    assert missing.response.json() == {"message": "Missing Authentication Token"}
    assert missing.response.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert echo.calls == []


def test_v1_response_merges_headers_and_defaults_to_json():
    document = {
        "statusCode": 201,
        "headers": {"A": "1", "B": "x"},
        "multiValueHeaders": {"B": ["2", "3"]},
        "body": "made",
    }
    response = v1_response(json.dumps(document).encode())
    assert response.status == 201 and response.body == b"made"
    assert response.header_values("A") == ["1"] and response.header_values("B") == ["2", "3"]
    assert response.header("Content-Type") == "application/json"


@pytest.mark.parametrize(
    "document",
    [
        "Hello",
        {"body": "x"},
        {"statusCode": 200, "body": {"a": 1}},
        {"statusCode": "2xx"},
        {"statusCode": 200, "multiValueHeaders": {"A": "1"}},
        {"statusCode": 200, "isBase64Encoded": 1},
    ],
)
def test_v1_malformed_responses(document):
    assert v1_response(json.dumps(document).encode()) is None


def test_v1_base64_is_decoded_only_for_an_accepted_binary_type():
    document = json.dumps(
        {
            "statusCode": 200,
            "isBase64Encoded": True,
            "body": "AAE=",
            "headers": {"Content-Type": "image/png"},
        }
    ).encode()
    assert v1_response(document, ("image/png",), "image/png").body == b"\x00\x01"
    assert v1_response(document, ("*/*",), "text/html").body == b"\x00\x01"
    assert v1_response(document, (), "image/png").body == b"AAE="


def test_rest_errors():
    def fail(event, context):
        raise ValueError("boom")

    assert rest(FakeLambda(fail)).request("GET", "/prod/x").response.status == 502
    bare = rest(returning("Hello")).request("GET", "/prod/x")
    assert (bare.response.status, bare.error_reason) == (502, "Malformed Lambda proxy response")
    assert bare.response.json() == {"message": "Internal server error"}
    throttled = rest(FakeLambda(fail, raise_error=ServiceError("TooManyRequestsException", 429)))
    assert throttled.request("GET", "/prod/x").response.status == 500
    slow = rest(FakeLambda(lambda e, c: {"statusCode": 200}, duration_ms=29_500))
    timed_out = slow.request("GET", "/prod/x").response
    assert (timed_out.status, timed_out.json()) == (504, {"message": "Endpoint request timed out"})


# -- HTTP API, payload 2.0 ------------------------------------------------------------------------


def http_api(lam: FakeLambda) -> Transport:
    api = HttpApi("shop", lam, now=lambda: 1583348638.390)
    api.add_route("GET /items/{id}", "items-fn")
    api.add_route("$default", "default-fn")
    return Transport(api)


def test_http_api_event_fields(echo):
    exchange = http_api(echo).request(
        "POST",
        "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        [
            ("Header1", "value1"),
            ("Header2", "value1"),
            ("header2", "value2"),
            ("Cookie", "cookie1; cookie2"),
            ("Content-Type", "text/plain"),
            ("User-Agent", "agent"),
        ],
        "Hello from client!",
    )
    event = exchange.event
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert (event["rawPath"], event["rawQueryString"]) == (
        "/my/path",
        "parameter1=value1&parameter1=value2&parameter2=value",
    )
    assert event["cookies"] == ["cookie1", "cookie2"]
    assert (
        event["headers"]["header1"] == "value1" and event["headers"]["header2"] == "value1,value2"
    )
    assert "cookie" not in event["headers"]
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert (event["body"], event["isBase64Encoded"]) == ("Hello from client!", False)
    assert "multiValueHeaders" not in event and "pathParameters" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/my/path",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "agent",
    }
    assert (context["routeKey"], context["stage"]) == ("$default", "$default")
    assert (context["time"], context["timeEpoch"]) == ("04/Mar/2020:19:03:58 +0000", 1583348638390)
    assert context["domainPrefix"] == context["apiId"]
    assert echo.calls == [("default-fn", None)]


def test_http_api_route_parameters(echo):
    event = http_api(echo).request("GET", "/items/7").event
    assert event["routeKey"] == "GET /items/{id}" and event["pathParameters"] == {"id": "7"}
    assert "body" not in event and "queryStringParameters" not in event and "cookies" not in event


def test_http_api_without_a_matching_route_is_404(echo):
    api = HttpApi("a", echo)
    api.add_route("GET /a", "f")
    response = Transport(api).get("/b")
    assert (response.status, response.json()) == (
        404,
        {"message": "Not Found"},
    ) and echo.calls == []


@pytest.mark.parametrize(
    "returned, body",
    [
        ("Hello, world!", b'"Hello, world!"'),
        ({"message": "Hello from Lambda!"}, b'{"message": "Hello from Lambda!"}'),
        ([1, 2], b"[1, 2]"),
    ],
)
def test_v2_plain_json_becomes_200_application_json(returned, body):
    response = http_api(returning(returned)).get("/x")
    assert (response.status, response.header("Content-Type"), response.body) == (
        200,
        "application/json",
        body,
    )
    assert len(http_api(returning("Hello, world!")).get("/x").body) == 15


def test_v2_cookies_become_set_cookie_headers():
    document = {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "My-Custom-Header": "v"},
        "body": '{"message": "Hello, world!"}',
        "cookies": [
            "Cookie_1=Value1; Expires=21 Oct 2021 07:48 GMT",
            "Cookie_2=Value2; Max-Age=78000",
        ],
    }
    response = v2_response(json.dumps(document).encode())
    assert response.status == 201 and response.header("My-Custom-Header") == "v"
    assert response.header_values("Set-Cookie") == document["cookies"]


@pytest.mark.parametrize(
    "document",
    [
        {"statusCode": "200"},
        {"statusCode": 200, "body": ["x"]},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "headers": {"A": 1}},
        {"statusCode": 200, "isBase64Encoded": True, "body": "%%"},
    ],
)
def test_v2_malformed_responses(document):
    assert v2_response(json.dumps(document).encode()) is None


def test_http_api_errors_are_500_internal_server_error():
    def fail(event, context):
        raise ValueError("boom")

    for lam in (
        FakeLambda(fail),
        returning({"statusCode": "nope"}),
        FakeLambda(fail, raise_error=ServiceError("TooManyRequestsException", 429)),
    ):
        response = http_api(lam).get("/x")
        assert (response.status, response.json()) == (500, {"message": "Internal Server Error"})
        assert response.header("apigw-requestid")
