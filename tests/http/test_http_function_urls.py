"""Function URLs: payload 2.0 with $default, the URL's config, auth types and errors."""

from __future__ import annotations

import re

import pytest
from fake_lambda import FakeLambda, ServiceError, returning

from lambda_lab.http import FrontDoorConfigError, FunctionUrl, Transport

SIGNATURE = (
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20210907/us-east-1/lambda/aws4_request, "
    "SignedHeaders=host, Signature=abc"
)


def url(lam: FakeLambda, **options) -> Transport:
    return Transport(FunctionUrl("demo-lambda", lam, now=lambda: 1631055022.677, **options))


def test_event_matches_the_documented_function_url_payload(echo):
    event = (
        url(echo)
        .request(
            "POST",
            "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
            [
                ("Header1", "value1"),
                ("Header2", "value1"),
                ("Header2", "value2"),
                ("Cookie", "Cookie_1=Value_1"),
                ("Cookie", "Cookie_2=Value_2"),
                ("Content-Type", "text/plain"),
                ("User-Agent", "agent"),
            ],
            "Hello from client!",
        )
        .event
    )
    assert list(event) == [
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "cookies",
        "headers",
        "queryStringParameters",
        "requestContext",
        "body",
        "pathParameters",
        "isBase64Encoded",
        "stageVariables",
    ]
    assert event["routeKey"] == "$default" and event["cookies"] == [
        "Cookie_1=Value_1",
        "Cookie_2=Value_2",
    ]
    assert event["headers"]["header2"] == "value1,value2"
    assert event["queryStringParameters"] == {"parameter1": "value1,value2", "parameter2": "value"}
    assert (event["pathParameters"], event["stageVariables"]) == (None, None)
    context = event["requestContext"]
    assert re.fullmatch(r"[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws", context["domainName"])
    assert context["domainPrefix"] == context["apiId"] == context["domainName"].split(".")[0]
    assert (context["authentication"], context["authorizer"]) == (None, None)
    assert (context["routeKey"], context["stage"]) == ("$default", "$default")
    assert context["time"] == "07/Sep/2021:22:50:22 +0000" and context["timeEpoch"] == 1631055022677
    assert context["accountId"] == "123456789012"


def test_binary_body_is_base64(echo):
    event = (
        url(echo)
        .request("PUT", "/", [("Content-Type", "application/octet-stream")], b"\x00\x01")
        .event
    )
    assert (event["body"], event["isBase64Encoded"]) == ("AAE=", True)


def test_config_has_aws_fields_and_a_stable_url():
    first = FunctionUrl("demo-lambda", returning(None), qualifier="live")
    config = first.config()
    assert set(config) == {
        "FunctionUrl",
        "FunctionArn",
        "AuthType",
        "CreationTime",
        "LastModifiedTime",
        "InvokeMode",
    }
    assert re.fullmatch(
        r"https://[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws/", config["FunctionUrl"]
    )
    assert (
        config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:demo-lambda:live"
    )
    assert (config["AuthType"], config["InvokeMode"]) == ("NONE", "BUFFERED")
    assert FunctionUrl("demo-lambda", returning(None), qualifier="live").url_id == first.url_id
    assert FunctionUrl("demo-lambda", returning(None)).url_id != first.url_id


@pytest.mark.parametrize(
    "options, message",
    [
        ({"auth_type": "IAM"}, r"Value 'IAM' at 'authType' .* \[AWS_IAM, NONE\]"),
        ({"invoke_mode": "STREAM"}, r"Value 'STREAM' at 'invokeMode'"),
    ],
)
def test_bad_configuration_is_refused(options, message):
    with pytest.raises(FrontDoorConfigError, match=message):
        FunctionUrl("f", returning(None), **options)


def test_aws_iam_needs_a_signed_request(echo):
    transport = url(echo, auth_type="AWS_IAM")
    unsigned = transport.request("GET", "/")
    assert (unsigned.response.status, unsigned.response.json()) == (403, {"Message": "Forbidden"})
    assert echo.calls == []
    signed = transport.request("GET", "/", [("Authorization", SIGNATURE)])
    iam = signed.event["requestContext"]["authorizer"]["iam"]
    assert iam["accessKey"] == "AKIAIOSFODNN7EXAMPLE" and iam["accountId"] == "123456789012"
    assert iam["callerId"].startswith("AIDA") and signed.response.status == 200


def test_responses_and_errors():
    assert url(returning("Hello, world!")).get("/").body == b'"Hello, world!"'

    def fail(event, context):
        raise ValueError("boom")

    failed = url(FakeLambda(fail)).get("/")
    assert (failed.status, failed.body) == (502, b"Internal Server Error")
    malformed = url(returning({"statusCode": 200, "body": 5})).request("GET", "/")
    assert (malformed.response.status, malformed.error_reason) == (502, "Malformed Lambda response")
    throttled = url(
        FakeLambda(fail, raise_error=ServiceError("TooManyRequestsException", 429))
    ).get("/")
    assert (throttled.status, throttled.json()) == (429, {"message": "Rate Exceeded."})
    gone = url(FakeLambda(fail, raise_error=ServiceError("ResourceNotFoundException", 404))).get(
        "/"
    )
    assert gone.status == 403


def test_response_carries_request_and_trace_ids(echo):
    exchange = url(echo).request("GET", "/")
    assert (
        exchange.response.header("x-amzn-RequestId")
        == exchange.event["requestContext"]["requestId"]
    )
    assert (
        exchange.response.header("X-Amzn-Trace-Id") == exchange.event["headers"]["x-amzn-trace-id"]
    )


CORS = {
    "AllowOrigins": ["https://app.example.com"],
    "AllowMethods": ["GET", "POST"],
    "AllowHeaders": ["x-custom"],
    "ExposeHeaders": ["x-request"],
    "MaxAge": 300,
    "AllowCredentials": True,
}
PREFLIGHT = [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST")]


def test_a_cors_preflight_is_answered_by_the_url_without_an_invoke(echo):
    exchange = url(echo, cors=CORS).request("OPTIONS", "/", PREFLIGHT)
    assert echo.calls == [] and exchange.response.status == 200
    headers = dict(exchange.response.headers)
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert headers["Access-Control-Allow-Headers"] == "x-custom"
    assert headers["Access-Control-Max-Age"] == "300"
    assert headers["Access-Control-Allow-Credentials"] == "true"


def test_cors_headers_replace_the_functions_own_on_every_answer():
    lam = returning(
        {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "ok"}
    )
    exchange = url(lam, cors=CORS).request("GET", "/", [("Origin", "https://app.example.com")])
    headers = exchange.response.headers
    assert [v for k, v in headers if k == "Access-Control-Allow-Origin"] == [
        "https://app.example.com"
    ]
    assert ("Access-Control-Expose-Headers", "x-request") in headers
    other = url(lam, cors=CORS).request("GET", "/", [("Origin", "https://evil.example")])
    assert not any(k.startswith("Access-Control-") for k, _ in other.response.headers)
    anyone = url(lam, cors={"AllowOrigins": ["*"]}).request("GET", "/", [("Origin", "https://x.y")])
    assert ("Access-Control-Allow-Origin", "*") in anyone.response.headers


def test_without_cors_a_preflight_goes_to_the_function(echo):
    url(echo).request("OPTIONS", "/", PREFLIGHT)
    assert len(echo.calls) == 1


@pytest.mark.parametrize(
    ("statements", "status"),
    [
        ([], 403),
        ([{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
           "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}], 403),
        ([{"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
           "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}},
          {"Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
           "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}], 200),
        ([{"Effect": "Allow", "Principal": "*", "Action": "lambda:*"}], 200),
        ([{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "*"}], 403),
    ],
)  # fmt: skip
def test_auth_type_none_answers_only_what_the_policy_opens(echo, statements, status):
    exchange = url(echo, statements=lambda: statements).request("GET", "/")
    assert exchange.response.status == status
    if status == 403:
        assert exchange.response.json() == {"Message": "Forbidden"} and echo.calls == []
