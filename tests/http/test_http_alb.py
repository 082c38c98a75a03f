"""ALB -> Lambda: every conversion rule of facts §8.1, in-process (no sockets)."""

from __future__ import annotations

import base64
import json

import pytest
from fake_lambda import CONSOLE_DEFAULT, LECTURE_HTML, FakeLambda, ServiceError, returning

from lambda_lab import limits
from lambda_lab.http import FrontDoorConfigError, LoadBalancer, TargetGroup, Transport
from lambda_lab.http.alb import alb_event, alb_response, health_check_event
from lambda_lab.http.common import HttpRequest

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/6d0ecf831eec9f09"
REPEATS = [
    ("Host", "lb.example"),
    ("Cookie", "name1=value1"),
    ("Cookie", "name2=value2"),
    ("User-Agent", "curl/8.0"),
]


def alb(lam: FakeLambda, multi: bool = False) -> Transport:
    group = TargetGroup("tg", "demo-lambda")
    group.set_attribute("lambda.multi_value_headers.enabled", multi)
    return Transport(LoadBalancer("demo-alb", lam, group), host="lb.example")


# -- HTTP -> JSON -----------------------------------------------------------------------------


def test_event_has_the_documented_fields_in_order():
    request = HttpRequest.build(
        "GET", "/", REPEATS, client_ip="72.21.198.66", server_port=443, scheme="https"
    )
    event = alb_event(
        request, ARN, multi_value=False, trace_id="Root=1-5bdb40ca-556d8b0c50dc66f0511bf520"
    )
    assert list(event) == [
        "requestContext",
        "httpMethod",
        "path",
        "queryStringParameters",
        "headers",
        "body",
        "isBase64Encoded",
    ]
    assert event["requestContext"] == {"elb": {"targetGroupArn": ARN}}
    assert event["headers"] == {
        "host": "lb.example",
        "cookie": "name2=value2",
        "user-agent": "curl/8.0",
        "x-amzn-trace-id": "Root=1-5bdb40ca-556d8b0c50dc66f0511bf520",
        "x-forwarded-for": "72.21.198.66",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    assert (event["httpMethod"], event["path"], event["queryStringParameters"]) == ("GET", "/", {})
    assert (event["body"], event["isBase64Encoded"]) == ("", False)


def test_without_multi_value_the_last_value_wins_and_query_is_not_decoded():
    request = HttpRequest.build("GET", "/p?&myKey=val1&myKey=val2&q=a%20b+c", REPEATS)
    event = alb_event(request, ARN, multi_value=False)
    assert event["queryStringParameters"] == {"myKey": "val2", "q": "a%20b+c"}
    assert event["headers"]["cookie"] == "name2=value2"
    assert "multiValueHeaders" not in event and "multiValueQueryStringParameters" not in event


def test_with_multi_value_every_value_is_kept_in_arrays():
    request = HttpRequest.build("GET", "/p?&myKey=val1&myKey=val2&q=a%20b", REPEATS)
    event = alb_event(request, ARN, multi_value=True)
    assert event["multiValueQueryStringParameters"] == {"myKey": ["val1", "val2"], "q": ["a%20b"]}
    assert event["multiValueHeaders"]["cookie"] == ["name1=value1", "name2=value2"]
    assert event["multiValueHeaders"]["host"] == ["lb.example"]
    assert "headers" not in event and "queryStringParameters" not in event


@pytest.mark.parametrize(
    "content_type, body, expected",
    [
        ("text/plain", b"request_body", ("request_body", False)),
        ("application/json", b'{"a": 1}', ('{"a": 1}', False)),
        ("image/png", b"\x89PNG\r\n", (base64.b64encode(b"\x89PNG\r\n").decode(), True)),
        ("application/x-www-form-urlencoded", b"a=1", ("YT0x", True)),
    ],
)
def test_bodies_are_text_for_the_four_text_types_and_base64_otherwise(content_type, body, expected):
    request = HttpRequest.build("POST", "/", [("Content-Type", content_type)], body)
    event = alb_event(request, ARN, multi_value=False)
    assert (event["body"], event["isBase64Encoded"]) == expected


def test_health_check_event_is_a_bare_get_with_alb_s_user_agent():
    assert health_check_event(ARN) == {
        "requestContext": {"elb": {"targetGroupArn": ARN}},
        "httpMethod": "GET",
        "path": "/",
        "queryStringParameters": {},
        "headers": {"user-agent": "ELB-HealthChecker/2.0"},
        "body": "",
        "isBase64Encoded": False,
    }


def test_target_group_arn_and_attribute_validation():
    group = TargetGroup("my-target-group", "f", region="eu-west-2")
    assert group.arn.startswith(
        "arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/my-target-group/"
    )
    assert len(group.arn.rsplit("/", 1)[1]) == 16 and not group.multi_value_headers
    group.set_attribute("lambda.multi_value_headers.enabled", "true")
    assert group.multi_value_headers
    with pytest.raises(FrontDoorConfigError, match="must be 'true' or 'false' \\(got 'yes'\\)"):
        group.set_attribute("lambda.multi_value_headers.enabled", "yes")
    with pytest.raises(FrontDoorConfigError, match="got 'stickiness.enabled'"):
        group.set_attribute("stickiness.enabled", "true")


# -- JSON -> HTTP -----------------------------------------------------------------------------


def test_console_default_response_has_no_html_content_type():
    response = alb_response(json.dumps(CONSOLE_DEFAULT).encode(), multi_value=False)
    assert response.status == 200 and response.body == b'"Hello from Lambda!"'
    assert response.header("Content-Type") == "application/octet-stream"


def test_lecture_response_document_is_html():
    response = alb_response(json.dumps(LECTURE_HTML).encode(), multi_value=False)
    assert (response.status, response.reason) == (200, "OK")
    assert response.header("Content-Type") == "text/html"
    assert response.body == b"<h1>Hello from Lambda!</h1>"


@pytest.mark.parametrize(
    "document",
    [
        "Hello from Lambda!",
        42,
        None,
        [1, 2],
        {"body": "no status"},
        {"statusCode": "200"},
        {"statusCode": True},
        {"statusCode": 999},
        {"statusCode": 200, "body": {"a": 1}},
        {"statusCode": 200, "headers": {"X-Count": 3}},
        {"statusCode": 200, "headers": ["a"]},
        {"statusCode": 200, "isBase64Encoded": "false"},
        {"statusCode": 200, "isBase64Encoded": True, "body": "not base64!"},
    ],
)
def test_malformed_documents_are_rejected(document):
    assert alb_response(json.dumps(document).encode(), multi_value=False) is None


def test_status_code_alone_is_enough_and_description_gives_the_reason():
    assert alb_response(b'{"statusCode": 204}', False).body == b""
    response = alb_response(
        b'{"statusCode": 404, "statusDescription": "404 Gone Fishing", "body": "x"}', False
    )
    assert (response.status, response.reason) == (404, "Gone Fishing")


def test_each_mode_reads_only_its_own_header_field():
    document = {
        "statusCode": 200,
        "body": "b",
        "headers": {"Content-Type": "text/plain", "Set-Cookie": "single=1"},
        "multiValueHeaders": {"Content-Type": ["text/csv"], "Set-Cookie": ["a=1", "b=2"]},
    }
    single = alb_response(json.dumps(document).encode(), multi_value=False)
    multi = alb_response(json.dumps(document).encode(), multi_value=True)
    assert (
        single.header_values("Set-Cookie") == ["single=1"]
        and single.header("Content-Type") == "text/plain"
    )
    assert (
        multi.header_values("Set-Cookie") == ["a=1", "b=2"]
        and multi.header("Content-Type") == "text/csv"
    )


def test_base64_bodies_are_decoded_and_hop_by_hop_headers_dropped():
    document = {
        "statusCode": 200,
        "isBase64Encoded": True,
        "body": base64.b64encode(b"\x00\xff").decode(),
        "headers": {
            "Content-Type": "image/png",
            "Connection": "close",
            "Content-Length": "99",
            "Transfer-Encoding": "chunked",
        },
    }
    response = alb_response(json.dumps(document).encode(), multi_value=False)
    assert response.body == b"\x00\xff"
    assert response.headers == [("Content-Type", "image/png")]


# -- the load balancer end to end, in-process ---------------------------------------------------


def test_a_request_through_the_load_balancer(echo):
    exchange = alb(echo).request("POST", "/api?x=1", [("Content-Type", "text/plain")], "hi")
    assert exchange.event == echo.last_event and echo.calls == [("demo-lambda", None)]
    assert exchange.response.status == 200 and exchange.error_reason is None
    assert json.loads(exchange.response.body)["body"] == "hi"


def test_bare_string_response_is_a_502_lambda_invalid_response():
    exchange = alb(returning("Hello from Lambda!")).request("GET", "/")
    assert exchange.response.status == 502 and exchange.error_reason == "LambdaInvalidResponse"
    assert exchange.response.header("Server") == "awselb/2.0"
    assert exchange.response.header("Content-Type") == "text/html"
    assert b"<h1>502 Bad Gateway</h1>" in exchange.response.body
    assert exchange.payload == b'"Hello from Lambda!"'


def test_handler_exception_and_timeout_are_502_lambda_unhandled():
    def fail(event, context):
        raise RuntimeError("boom")

    for lam in (FakeLambda(fail), FakeLambda(fail, timed_out=True)):
        exchange = alb(lam).request("GET", "/")
        assert (exchange.response.status, exchange.error_reason) == (502, "LambdaUnhandled")
        assert exchange.function_error == "Unhandled"


@pytest.mark.parametrize(
    "code, status, reason",
    [
        ("TooManyRequestsException", 502, "LambdaThrottling"),
        ("ResourceNotFoundException", 502, "LambdaResourceNotFound"),
        ("ServiceException", 502, "LambdaServiceException"),
    ],
)
def test_calls_lambda_refuses_are_502_with_alb_s_reason(code, status, reason):
    lam = FakeLambda(lambda e, c: None, raise_error=ServiceError(code, 429))
    exchange = alb(lam).request("GET", "/")
    assert (exchange.response.status, exchange.error_reason, exchange.event is not None) == (
        status,
        reason,
        True,
    )


def test_real_runtime_errors_are_recognised_by_their_code():
    errors = pytest.importorskip("lambda_lab.errors")
    lam = FakeLambda(
        lambda e, c: None,
        raise_error=errors.throttled("ReservedFunctionConcurrentInvocationLimitExceeded"),
    )
    assert alb(lam).request("GET", "/").error_reason == "LambdaThrottling"


def test_oversize_request_is_413_and_oversize_response_502(echo):
    big = b"x" * (limits.ALB_REQUEST_BODY_MAX_BYTES + 1)
    exchange = alb(echo).request("POST", "/", [("Content-Type", "text/plain")], big)
    assert (exchange.response.status, exchange.error_reason) == (413, "LambdaRequestTooLarge")
    assert echo.calls == []  # never reached the function
    large = returning({"statusCode": 200, "body": "y" * limits.ALB_RESPONSE_MAX_BYTES})
    exchange = alb(large).request("GET", "/")
    assert (exchange.response.status, exchange.error_reason) == (502, "LambdaResponseTooLarge")


def test_websocket_upgrade_is_refused_with_400(echo):
    exchange = alb(echo).request("GET", "/", [("Connection", "Upgrade"), ("Upgrade", "websocket")])
    assert exchange.response.status == 400 and echo.calls == []


def test_rules_route_paths_to_target_groups_by_priority():
    site, api, other = (
        returning({"statusCode": 200, "body": "site"}),
        returning({"statusCode": 200, "body": "api"}),
        returning({"statusCode": 200, "body": "other"}),
    )

    def invoke(name, event, qualifier=None):
        return {"site-fn": site, "api-fn": api, "other-fn": other}[name](name, event, qualifier)

    balancer = LoadBalancer("alb", invoke, TargetGroup("site", "site-fn"))
    balancer.add_rule("/api/*", TargetGroup("api", "api-fn"), priority=10)
    balancer.add_rule("/api/v?/other", TargetGroup("other", "other-fn"), priority=5)
    transport = Transport(balancer)
    assert transport.get("/api/v1/other").body == b"other"
    assert transport.get("/api/v12/other").body == b"api"
    assert transport.get("/API/x").body == b"site"  # path patterns are case-sensitive
    assert len(balancer.target_groups()) == 3
    with pytest.raises(FrontDoorConfigError, match="priority"):
        balancer.add_rule("/x", TargetGroup("x", "f"), priority=5)
    with pytest.raises(FrontDoorConfigError, match="must start with '/'"):
        balancer.add_rule("x*", TargetGroup("x", "f"))


def test_a_target_group_without_a_function_answers_503():
    exchange = Transport(LoadBalancer("alb", returning(None), TargetGroup("empty"))).request(
        "GET", "/"
    )
    assert exchange.response.status == 503


def test_health_checks():
    healthy = returning({"statusCode": 200, "body": "ok"})
    group = TargetGroup("tg", "f")
    balancer = LoadBalancer("alb", healthy, group)
    assert balancer.check_health()["TargetHealth"]["Reason"] == "Target.HealthCheckDisabled"
    assert healthy.events == []
    unused = LoadBalancer("alb", healthy, TargetGroup("empty")).check_health()["TargetHealth"]
    assert unused["State"] == "unused"
    group.health_check_enabled = True
    assert balancer.check_health() == {
        "Target": {"Id": "arn:aws:lambda:us-east-1:123456789012:function:f"},
        "TargetHealth": {"State": "healthy"},
    }
    assert healthy.last_event["headers"] == {"user-agent": "ELB-HealthChecker/2.0"}
    balancer.invoke = returning({"statusCode": 503})
    assert balancer.check_health()["TargetHealth"]["Reason"] == "Target.ResponseCodeMismatch"
    group.matcher = "200-599"
    assert balancer.check_health()["TargetHealth"]["State"] == "healthy"
    balancer.invoke = returning("not a document")
    health = balancer.check_health()["TargetHealth"]
    assert (health["State"], health["Description"]) == ("unhealthy", "LambdaInvalidResponse")
