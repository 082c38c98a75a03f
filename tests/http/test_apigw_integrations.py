"""Integrations and limits through real HTTP: Lambda custom integrations with mapping
templates and selection patterns, mock integrations and CORS preflights, gateway responses,
the integration timeout (and raising it), the payload limits, the API's resource policy and
IAM authorization."""

from __future__ import annotations

import json
import time

import pytest
from apigw_helpers import ECHO, call, runs
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from lambda_lab import Lab
from lambda_lab.http.vtl import TemplateError

FIND = """
def lambda_handler(event, context):
    if event["id"] == "0":
        raise LookupError("Not found: order " + event["id"])
    if event["id"] == "bad":
        raise ValueError("something else broke")
    return {"order": event["id"], "who": event["caller"], "stage": event["stage"]}
"""
SLEEPER = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(2)\n    return {'statusCode': 200, 'body': 'late'}\n"


@pytest.fixture(scope="module")
def lab():
    with Lab() as instance:
        instance.deploy("find", FIND)
        instance.deploy("orders", ECHO)
        instance.deploy("sleeper", SLEEPER, Timeout=10)
        yield instance


def test_a_custom_integration_maps_the_request_and_picks_status_by_error_message(lab):
    door = lab.rest_api_gateway("custom", {"GET /orders": "orders"})
    api = door.api
    api.put_integration(
        "GET /orders/{id}", "AWS", "find",
        request_templates={"application/json": '{"id": "$input.params(\'id\')", "caller": "$context.identity.sourceIp", "stage": "$context.stage"}'},
    )  # fmt: skip
    api.put_integration_response(
        "GET /orders/{id}", 404, selection_pattern="Not found.*",
        response_templates={"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'},
    )  # fmt: skip
    api.deploy("prod")
    found = call(door, "GET", "/orders/42")
    assert (found.status, found.json()) == (
        200,
        {"order": "42", "who": "127.0.0.1", "stage": "prod"},
    )
    missing = call(door, "GET", "/orders/0")
    assert (missing.status, missing.json()) == (404, {"error": "Not found: order 0"})
    unmatched = call(door, "GET", "/orders/bad")  # no pattern matches: the default response, 200
    assert unmatched.status == 200 and unmatched.json()["errorType"] == "ValueError"


def test_a_mock_integration_and_the_cors_preflight(lab):
    door = lab.rest_api_gateway("cors", {"GET /items": "orders"})
    door.api.enable_cors("/items", allow_origin="https://shop.example")
    door.api.deploy("prod")
    before = runs(lab, "orders")
    preflight = call(
        door,
        "OPTIONS",
        "/items",
        [("Origin", "https://shop.example"), ("Access-Control-Request-Method", "GET")],
    )
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert runs(lab, "orders") == before  # a mock: no function ran
    actual = call(door, "GET", "/items", [("Origin", "https://shop.example")])
    assert "Access-Control-Allow-Origin" not in actual.headers  # proxy: the function's job


def test_gateway_responses_can_carry_cors_headers_and_another_status(lab):
    door = lab.rest_api_gateway("gateway-responses", {"GET /items": "orders"})
    door.api.put_gateway_response(
        "DEFAULT_4XX",
        response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
    )
    door.api.put_gateway_response(
        "MISSING_AUTHENTICATION_TOKEN", status_code=404,
        response_templates={"application/json": '{"error": $context.error.messageString, "type": "$context.error.responseType"}'},
    )  # fmt: skip
    door.api.deploy("prod")
    reply = call(door, "GET", "/nowhere")
    assert reply.status == 404
    assert reply.json() == {
        "error": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
    }
    assert "Access-Control-Allow-Origin" not in reply.headers  # its own customisation wins whole
    door.api.update_stage("prod", throttle={"rateLimit": 0, "burstLimit": 0})
    throttled = call(door, "GET", "/items")  # THROTTLED is not customised: DEFAULT_4XX applies
    assert (throttled.status, throttled.headers["Access-Control-Allow-Origin"]) == (429, "*")
    with pytest.raises(ValueError, match="gateway response type"):
        door.api.put_gateway_response("NOT_A_TYPE")


def test_the_integration_timeout_answers_504_while_the_function_runs_on(lab):
    door = lab.rest_api_gateway("slow", {"GET /report": "sleeper"})
    door.api.put_integration("GET /report", "AWS_PROXY", "sleeper", timeout_ms=500)
    door.api.deploy("prod")
    started = time.monotonic()
    reply = call(door, "GET", "/report")
    waited = time.monotonic() - started
    assert (reply.status, reply.json()) == (504, {"message": "Endpoint request timed out"})
    assert waited < 1.8  # answered at the timeout, not when the function ended
    deadline = time.monotonic() + 10
    while runs(lab, "sleeper") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lab.records.for_function("sleeper")[-1].duration_ms >= 2000


def test_timeouts_above_29_seconds_need_a_regional_api_and_a_quota(lab):
    regional = lab.rest_api_gateway("regional", {"GET /report": "sleeper"})
    with pytest.raises(ValueError, match="50-29000 ms"):
        regional.api.put_integration("GET /report", "AWS_PROXY", "sleeper", timeout_ms=60_000)
    regional.api.raise_timeout_quota(120_000)
    regional.api.put_integration("GET /report", "AWS_PROXY", "sleeper", timeout_ms=60_000)
    edge = lab.rest_api_gateway("edge", {"GET /report": "sleeper"}, endpoint_type="EDGE")
    with pytest.raises(ValueError, match="only Regional and private"):
        edge.api.raise_timeout_quota(120_000)


@pytest.mark.slow
def test_payload_limits_10_mb_for_api_gateway_6_mb_for_lambda(lab):
    door = lab.rest_api_gateway("payloads", {"POST /upload": "orders"})
    before = runs(lab, "orders")
    over_lambda = call(door, "POST", "/upload", [("Content-Type", "text/plain")], b"x" * 7_000_000)
    assert (over_lambda.status, over_lambda.json()) == (500, {"message": "Internal server error"})
    assert door.last.error_reason == "RequestEntityTooLargeException"  # Lambda refused it
    over_gateway = call(
        door, "POST", "/upload", [("Content-Type", "text/plain")], b"x" * (10 * 1024 * 1024 + 1)
    )
    assert (over_gateway.status, over_gateway.json()) == (413, {"message": "Request Too Long"})
    assert runs(lab, "orders") == before


def test_a_resource_policy_can_deny_by_source_address(lab):
    door = lab.rest_api_gateway("private-ish", {"GET /items": "orders"})
    arn = f"arn:aws:execute-api:us-east-1:{lab.account_id}:{door.api_id}/*"
    door.api.policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": arn},
        {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": arn,
         "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    ]}  # fmt: skip
    reply = call(door, "GET", "/items")
    assert reply.status == 403
    assert reply.json()["Message"].startswith(
        "User: anonymous is not authorized to perform: execute-api:Invoke"
    )
    assert reply.json()["Message"].endswith("with an explicit deny")
    door.api.policy["Statement"][1]["Condition"]["NotIpAddress"]["aws:SourceIp"] = "127.0.0.0/8"
    assert call(door, "GET", "/items").status == 200


def test_iam_authorization_needs_a_signed_request_from_an_allowed_user(lab):
    door = lab.rest_api_gateway("iam-auth", {"GET /items": "orders"})
    door.api.put_method("GET /items", authorization_type="AWS_IAM")
    door.api.deploy("prod")
    unsigned = call(door, "GET", "/items")
    assert (unsigned.status, unsigned.json()) == (403, {"message": "Missing Authentication Token"})
    iam = lab.service_client("iam")
    iam.create_user(UserName="reporter")
    key = iam.create_access_key(UserName="reporter")["AccessKey"]
    request = AWSRequest("GET", door.local_url + "items")
    SigV4Auth(
        Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "execute-api", "us-east-1"
    ).add_auth(request)
    denied = call(door, "GET", "/items", list(request.headers.items()))
    assert denied.status == 403 and "reporter is not authorized" in denied.json()["Message"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": door.api.method_arn("*", "GET", "/items")}]}  # fmt: skip
    iam.put_user_policy(UserName="reporter", PolicyName="read", PolicyDocument=json.dumps(policy))
    allowed = call(door, "GET", "/items", list(request.headers.items()))
    assert allowed.status == 200
    assert allowed.json()["identity"]["userArn"].endswith(":user/reporter")


def test_templates_with_directives_are_refused_when_configured(lab):
    door = lab.rest_api_gateway("directives", {"GET /items": "orders"})
    with pytest.raises(TemplateError, match="#foreach"):
        door.api.put_integration(
            "GET /items",
            "AWS",
            "orders",
            request_templates={"application/json": "#foreach($x in $list)\n#end"},
        )
