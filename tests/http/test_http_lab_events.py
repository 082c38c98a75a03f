"""Real HTTP requests -> a Lab's front doors -> a handler in a real worker process.

The handler answers with the event it received; each test compares that event with the
shape AWS documents for the door (facts §8): ALB in both target group modes, an API
Gateway REST API (payload 1.0), an HTTP API (payload 2.0) and a function URL.
"""

from __future__ import annotations

import base64
import os
import re

import pytest
from real_http import ECHO, PNG, REPEATED, echoed
from url_helpers import allow_public_url

from lambda_lab import Lab

TRACE_ID = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}\Z")
V1_CONTEXT_KEYS = {
    "accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod",
    "identity", "path", "protocol", "requestId", "requestTime", "requestTimeEpoch",
    "resourceId", "resourcePath", "stage",
}  # fmt: skip
V1_IDENTITY_KEYS = {
    "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "apiKey", "sourceIp",
    "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "userAgent", "user",
    "principalOrgId", "accessKey",
}  # fmt: skip


@pytest.fixture(scope="module")
def lab():
    with Lab() as instance:
        instance.deploy("echo", ECHO)
        yield instance


def forwarded(port: int) -> dict[str, str]:
    return {
        "x-forwarded-for": "127.0.0.1",
        "x-forwarded-port": str(port),
        "x-forwarded-proto": "http",
    }


def test_alb_single_value_mode_keeps_the_last_value(lab):
    alb = lab.alb("events-alb", "echo")
    invocations = len(lab.records.for_function("echo"))
    event = echoed(alb, "GET", "/path/to?myKey=val1&myKey=val2&enc=a%2Fb", REPEATED)
    # One real invocation, served by a worker process, not by this one.
    assert len(lab.records.for_function("echo")) == invocations + 1
    assert {env.pid for env in lab.environments("echo")} - {0, os.getpid()}
    assert TRACE_ID.match(event["headers"].pop("x-amzn-trace-id"))
    assert re.fullmatch(
        r"arn:aws:elasticloadbalancing:us-east-1:123456789012:"
        r"targetgroup/events-alb-tg/[0-9a-f]{16}",
        alb.target_group.arn,
    )
    assert event == {
        "requestContext": {"elb": {"targetGroupArn": alb.target_group.arn}},
        "httpMethod": "GET",
        "path": "/path/to",
        "queryStringParameters": {"myKey": "val2", "enc": "a%2Fb"},  # not URL-decoded
        "headers": {
            "host": f"127.0.0.1:{alb.port}",
            "cookie": "name2=value2",
            "x-custom": "B",
            **forwarded(alb.port),
        },
        "body": "",
        "isBase64Encoded": False,
    }


def test_alb_multi_value_mode_keeps_every_value(lab):
    alb = lab.alb("events-alb-mv", "echo", multi_value_headers=True)
    event = echoed(alb, "GET", "/path/to?myKey=val1&myKey=val2&enc=a%2Fb", REPEATED)
    [trace] = event["multiValueHeaders"].pop("x-amzn-trace-id")
    assert TRACE_ID.match(trace)
    assert event == {
        "requestContext": {"elb": {"targetGroupArn": alb.target_group.arn}},
        "httpMethod": "GET",
        "path": "/path/to",
        "multiValueQueryStringParameters": {"myKey": ["val1", "val2"], "enc": ["a%2Fb"]},
        "multiValueHeaders": {
            "host": [f"127.0.0.1:{alb.port}"],
            "cookie": ["name1=value1", "name2=value2"],
            "x-custom": ["A", "B"],
            **{name: [value] for name, value in forwarded(alb.port).items()},
        },
        "body": "",
        "isBase64Encoded": False,
    }
    alb.multi_value_headers = False  # modify-target-group-attributes, no new listener
    assert set(echoed(alb, "GET", "/?a=1&a=2")) >= {"headers", "queryStringParameters"}


@pytest.mark.parametrize("multi", [False, True], ids=["single-value", "multi-value"])
def test_alb_bodies_text_as_is_binary_as_base64(lab, multi):
    alb = lab.alb("events-bodies", "echo", multi_value_headers=multi)
    utf8_text = [("Content-Type", "text/plain; charset=utf-8")]
    text = echoed(alb, "POST", "/form", utf8_text, "héllo".encode())
    as_json = echoed(alb, "POST", "/api", [("Content-Type", "application/json")], b'{"a": [1, 2]}')
    binary = echoed(alb, "POST", "/upload", [("Content-Type", "image/png")], PNG)
    assert (text["body"], text["isBase64Encoded"]) == ("héllo", False)
    assert (as_json["body"], as_json["isBase64Encoded"]) == ('{"a": [1, 2]}', False)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (PNG, True)
    header_field = "multiValueHeaders" if multi else "headers"
    length = binary[header_field]["content-length"]
    assert length == ([str(len(PNG))] if multi else str(len(PNG)))


def test_rest_api_payload_1_0(lab):
    api = lab.rest_api_gateway(
        "events-rest", {"GET /items/{id}": "echo", "POST /upload": "echo"},
        binary_media_types=("image/png",),
    )  # fmt: skip
    event = echoed(api, "GET", "/prod/items/42?tag=a&tag=b&q=a%20b", REPEATED)
    context = event.pop("requestContext")
    assert TRACE_ID.match(event["headers"].pop("X-Amzn-Trace-Id"))
    assert TRACE_ID.match(event["multiValueHeaders"].pop("X-Amzn-Trace-Id")[0])
    single = {"Host": f"127.0.0.1:{api.port}", "Cookie": "name2=value2", "X-Custom": "B",
              "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Port": str(api.port),
              "X-Forwarded-Proto": "http"}  # fmt: skip
    assert event == {
        "resource": "/items/{id}",
        "path": "/items/42",
        "httpMethod": "GET",
        "headers": single,
        "multiValueHeaders": {**{k: [v] for k, v in single.items()},
                              "Cookie": ["name1=value1", "name2=value2"], "X-Custom": ["A", "B"]},
        "queryStringParameters": {"tag": "b", "q": "a b"},  # URL-decoded, unlike ALB
        "multiValueQueryStringParameters": {"tag": ["a", "b"], "q": ["a b"]},
        "pathParameters": {"id": "42"},
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
    }  # fmt: skip
    assert set(context) == V1_CONTEXT_KEYS and set(context["identity"]) == V1_IDENTITY_KEYS
    assert (context["stage"], context["resourcePath"]) == ("prod", "/items/{id}")
    assert (context["path"], context["protocol"]) == ("/prod/items/42", "HTTP/1.1")
    assert (context["accountId"], context["apiId"]) == ("123456789012", api.api_id)
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    binary = echoed(api, "POST", "/prod/upload", [("Content-Type", "image/png")], PNG)
    text = echoed(api, "POST", "/prod/upload", [("Content-Type", "text/plain")], "héllo".encode())
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (PNG, True)
    assert (text["body"], text["isBase64Encoded"]) == ("héllo", False)


def test_http_api_payload_2_0(lab):
    api = lab.http_api("events-http", {"GET /items/{id}": "echo", "$default": "echo"})
    headers = [*REPEATED, ("User-Agent", "lab-test")]
    event = echoed(api, "GET", "/items/42?tag=a&tag=b&q=a%20b", headers)
    context = event.pop("requestContext")
    assert TRACE_ID.match(event["headers"].pop("x-amzn-trace-id"))
    assert event == {
        "version": "2.0",
        "routeKey": "GET /items/{id}",
        "rawPath": "/items/42",
        "rawQueryString": "tag=a&tag=b&q=a%20b",
        "cookies": ["name1=value1", "name2=value2"],  # no cookie header any more
        "headers": {
            "host": f"127.0.0.1:{api.port}",
            "x-custom": "A,B",
            "user-agent": "lab-test",
            **forwarded(api.port),
        },  # fmt: skip
        "queryStringParameters": {"tag": "a,b", "q": "a b"},  # repeats joined with commas
        "pathParameters": {"id": "42"},
        "isBase64Encoded": False,
    }
    assert context["http"] == {"method": "GET", "path": "/items/42", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "lab-test"}  # fmt: skip
    assert (context["routeKey"], context["stage"]) == ("GET /items/{id}", "$default")
    assert context["apiId"] == api.api_id
    assert context["domainName"] == f"{api.api_id}.execute-api.us-east-1.amazonaws.com"
    binary = echoed(api, "PUT", "/anything", [("Content-Type", "application/octet-stream")], PNG)
    text = echoed(api, "PUT", "/anything", [("Content-Type", "text/plain")], b"plain words")
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (PNG, True)
    assert binary["routeKey"] == "$default"
    assert (text["body"], text["isBase64Encoded"]) == ("plain words", False)


def test_function_url_payload_2_0(lab):
    config = lab.client("lambda").create_function_url_config(FunctionName="echo", AuthType="NONE")
    allow_public_url(lab.client("lambda"), "echo")  # a public URL needs its two statements
    door = lab.front_doors().function_urls.served({"FunctionName": "echo"})
    assert config["FunctionUrl"] == f"http://127.0.0.1:{door.port}/"
    event = echoed(door, "POST", "/my/path?parameter1=value1&parameter1=value2&parameter2=value",
                   [*REPEATED, ("Content-Type", "text/plain")], b"Hello from client!")  # fmt: skip
    context = event.pop("requestContext")
    event["headers"].pop("x-amzn-trace-id")
    assert event == {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/my/path",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["name1=value1", "name2=value2"],
        "headers": {
            "host": f"127.0.0.1:{door.port}",
            "x-custom": "A,B",
            "content-type": "text/plain",
            "content-length": "18",
            **forwarded(door.port),
        },
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "body": "Hello from client!",
        "pathParameters": None,
        "isBase64Encoded": False,
        "stageVariables": None,
    }
    url_id = door.door.url_id
    assert re.fullmatch(r"[a-z0-9]{32}", url_id)
    assert (context["routeKey"], context["stage"]) == ("$default", "$default")
    assert context["apiId"] == url_id
    assert (context["authentication"], context["authorizer"]) == (None, None)  # AuthType NONE
    assert context["domainName"] == f"{url_id}.lambda-url.us-east-1.on.aws"
    assert context["domainPrefix"] == url_id
    binary = echoed(door, "POST", "/", [("Content-Type", "image/png")], PNG)
    assert (base64.b64decode(binary["body"]), binary["isBase64Encoded"]) == (PNG, True)
