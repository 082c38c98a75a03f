"""The Lab's front doors: wiring, function URL operations, 502s, the clock, the listeners' life."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from types import SimpleNamespace

import psutil
import pytest
from real_http import ECHO, echoed, send
from url_helpers import allow_public_url

from lambda_lab import Lab, errors
from lambda_lab.clock import VirtualClock
from lambda_lab.http import FrontDoorConfigError

HELLO_STRING = "def lambda_handler(event, context):\n    return 'Hello from Lambda!'\n"
RAISES = "def lambda_handler(event, context):\n    raise ValueError('broken on purpose')\n"
SLEEPS = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(10)\n"
START = 1_700_000_000  # 2023-11-14T22:13:20Z


@pytest.fixture(scope="module")
def lab():
    with Lab() as instance:
        instance.deploy("echo", ECHO)
        yield instance


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


# -- function URLs through the Lambda API -------------------------------------------------------


def test_function_url_lifecycle_through_boto3(lab):
    client = lab.client("lambda")
    created = client.create_function_url_config(FunctionName="echo", AuthType="NONE")
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    created.pop("ResponseMetadata")
    # AWS's CreateFunctionUrlConfig answer has InvokeMode only when the request gave it
    assert set(created) == {"FunctionUrl", "FunctionArn", "AuthType", "CreationTime"}
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    url = created["FunctionUrl"]
    port = int(url.rsplit(":", 1)[1].rstrip("/"))
    assert url == f"http://127.0.0.1:{port}/"

    conflict = client.exceptions.ResourceConflictException
    with pytest.raises(conflict, match="FunctionUrlConfig exists"):
        client.create_function_url_config(FunctionName="echo", AuthType="NONE")
    got = client.get_function_url_config(FunctionName="echo")
    assert got["FunctionUrl"] == url and got["LastModifiedTime"] == got["CreationTime"]
    [listed] = client.list_function_url_configs(FunctionName="echo")["FunctionUrlConfigs"]
    assert listed["FunctionUrl"] == url

    cors = {"AllowOrigins": ["https://example.com"], "MaxAge": 300}
    updated = client.update_function_url_config(FunctionName="echo", AuthType="AWS_IAM", Cors=cors)
    assert (updated["AuthType"], updated["Cors"], updated["FunctionUrl"]) == ("AWS_IAM", cors, url)
    status, _, body = send(SimpleNamespace(port=port), "GET", "/")
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})  # unsigned request

    client.delete_function_url_config(FunctionName="echo")
    assert refused(port)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_url_config(FunctionName="echo")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_function_url_config(FunctionName="echo")


def test_function_url_of_an_alias_runs_its_version(lab):
    client = lab.client("lambda")
    lab.deploy("versioned", "def lambda_handler(event, context):\n    return 'version one'\n")
    version = client.publish_version(FunctionName="versioned")["Version"]
    client.create_alias(FunctionName="versioned", Name="live", FunctionVersion=version)
    lab.deploy("versioned", "def lambda_handler(event, context):\n    return 'latest'\n")
    target = {"FunctionName": "versioned", "Qualifier": "live"}
    created = client.create_function_url_config(**target, AuthType="NONE")
    allow_public_url(client, "versioned", "live")  # AuthType NONE: anyone, once the policy says so
    assert created["FunctionArn"].endswith(":function:versioned:live")
    door = lab.front_doors().function_urls.served(target)
    status, headers, body = send(door, "GET", "/")
    # The payload 2.0 shortcut: a bare JSON value becomes a 200 application/json body.
    assert (status, headers["Content-Type"], body) == (200, "application/json", b'"version one"')
    with pytest.raises(client.exceptions.ClientError, match="qualifier"):  # a version is no alias
        client.create_function_url_config(**target | {"Qualifier": version}, AuthType="NONE")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.create_function_url_config(**target | {"Qualifier": "nope"}, AuthType="NONE")


@pytest.mark.parametrize(
    "params, code",
    [
        ({"FunctionName": "missing", "AuthType": "NONE"}, "ResourceNotFoundException"),
        ({"FunctionName": "echo", "AuthType": "IAM"}, "ValidationException"),
        ({"FunctionName": "echo", "AuthType": "NONE", "InvokeMode": "STREAM"},
         "ValidationException"),
        ({"FunctionName": "echo", "AuthType": "NONE", "Cors": {"MaxAge": 86_401}},
         "ValidationException"),
    ],
)  # fmt: skip
def test_bad_function_url_requests_get_aws_errors(lab, params, code):
    client = lab.client("lambda")
    before = len(lab.front_doors().function_urls.doors())
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.create_function_url_config(**params)
    assert caught.value.response["Error"]["Code"] == code
    assert len(lab.front_doors().function_urls.doors()) == before  # no listener was left open


def test_a_deleted_function_takes_its_url_along(lab):
    client = lab.client("lambda")
    lab.deploy("short-lived", ECHO)
    created = client.create_function_url_config(FunctionName="short-lived", AuthType="NONE")
    url = created["FunctionUrl"]
    client.delete_function(FunctionName="short-lived")
    lab.deploy("short-lived", ECHO)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_url_config(FunctionName="short-lived")
    assert refused(int(url.rsplit(":", 1)[1].rstrip("/")))
    client.delete_function(FunctionName="short-lived")


# -- load balancers and APIs ----------------------------------------------------------------------


def test_alb_wiring_adds_the_console_s_permission_and_keeps_its_port(lab):
    alb = lab.alb("wired-alb", "echo")
    policy = json.loads(lab.client("lambda").get_policy(FunctionName="echo")["Policy"])
    elb = {"Service": "elasticloadbalancing.amazonaws.com"}
    statement = next(s for s in policy["Statement"] if s["Principal"] == elb)
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": alb.target_group.arn}}
    again = lab.alb("wired-alb", "echo", multi_value_headers=True)  # a notebook cell run twice
    assert alb.closed and again.port == alb.port and again.multi_value_headers
    assert "multiValueHeaders" in echoed(again, "GET", "/")


def test_doors_refuse_unknown_functions_and_bad_names(lab):
    with pytest.raises(errors.ResourceNotFoundException, match="function:missing"):
        lab.alb("alb", "missing")
    with pytest.raises(errors.ResourceNotFoundException, match="function:echo:nope"):
        lab.http_api("api", "echo:nope")
    with pytest.raises(FrontDoorConfigError, match="1-32 letters"):
        lab.alb("-bad-", "echo")
    with pytest.raises(FrontDoorConfigError, match="METHOD /resource"):
        lab.rest_api_gateway("rest", {"/items": "echo"})
    with pytest.raises(FrontDoorConfigError, match="at least one route"):
        lab.http_api("empty", {})


def test_health_check_is_a_billed_invocation(lab):
    alb = lab.alb("checked", "echo", health_check=True)
    before = len(lab.records.for_function("echo"))
    health = alb.check_health()
    assert health["TargetHealth"] == {"State": "healthy"}
    assert health["Target"]["Id"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert len(lab.records.for_function("echo")) == before + 1


# -- what makes a door answer 502 ---------------------------------------------------------------


def test_bare_string_is_502_through_alb_but_json_through_http_api(lab):
    lab.deploy("bare-string", HELLO_STRING)
    alb = lab.alb("bare-alb", "bare-string")
    status, headers, body = send(alb, "GET", "/")
    assert (status, headers["Server"]) == (502, "awselb/2.0")
    assert alb.last.error_reason == "LambdaInvalidResponse"
    assert b"<h1>502 Bad Gateway</h1>" in body
    assert alb.last.payload == b'"Hello from Lambda!"'  # the function did run and answer
    api = lab.http_api("bare-api", "bare-string")
    assert send(api, "GET", "/")[::2] == (200, b'"Hello from Lambda!"')


def test_handler_error_throttle_and_timeout_are_502_with_alb_reasons(lab):
    client = lab.client("lambda")
    lab.deploy("raises", RAISES)
    lab.deploy("sleeps", SLEEPS, Timeout=1)
    lab.deploy("throttled", ECHO)
    client.put_function_concurrency(FunctionName="throttled", ReservedConcurrentExecutions=0)
    reasons = {}
    for function in ("raises", "sleeps", "throttled"):
        alb = lab.alb(f"{function}-alb", function)
        status, _, _ = send(alb, "GET", "/")
        reasons[function] = (status, alb.last.error_reason)
    assert reasons == {
        "raises": (502, "LambdaUnhandled"),
        "sleeps": (502, "LambdaUnhandled"),
        "throttled": (502, "LambdaThrottling"),
    }
    [timed_out] = lab.records.for_function("sleeps")
    assert (timed_out.outcome, timed_out.error_type) == ("timeout", "Sandbox.Timedout")


# -- the Lab's clock and the listeners' life -------------------------------------------------------


def test_doors_stamp_events_with_the_lab_s_clock():
    with Lab(clock=VirtualClock(start=START)) as lab:
        lab.deploy("echo", ECHO)
        alb_event = echoed(lab.alb("clock-alb", "echo"), "GET", "/")
        v2_event = echoed(lab.http_api("clock-api", "echo"), "GET", "/")
        v1_event = echoed(lab.rest_api_gateway("clock-rest", "echo"), "GET", "/prod/")
        client = lab.client("lambda")
        created = client.create_function_url_config(FunctionName="echo", AuthType="NONE")
    assert alb_event["headers"]["x-amzn-trace-id"].startswith(f"Root=1-{START:08x}-")
    assert (v2_event["requestContext"]["timeEpoch"], v2_event["requestContext"]["time"]) == (
        START * 1000, "14/Nov/2023:22:13:20 +0000",
    )  # fmt: skip
    assert v1_event["requestContext"]["requestTimeEpoch"] == START * 1000
    assert created["CreationTime"] == "2023-11-14T22:13:20.000000Z"


def test_listeners_bind_to_loopback_and_end_with_the_lab():
    with Lab() as lab:
        lab.deploy("echo", ECHO)
        doors = [
            lab.alb("life-alb", "echo"),
            lab.http_api("life-api", "echo"),
            lab.rest_api_gateway("life-rest", "echo"),
        ]
        lab.client("lambda").create_function_url_config(FunctionName="echo", AuthType="NONE")
        doors += lab.front_doors().function_urls.doors()
        ports = {door.port for door in doors}
        listening = {
            (conn.laddr.ip, conn.laddr.port)
            for conn in psutil.Process().net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port in ports
        }
        assert listening == {("127.0.0.1", port) for port in ports}
        idle = http.client.HTTPConnection("127.0.0.1", doors[0].port, timeout=10)
        idle.request("GET", "/")
        idle.getresponse().read()  # kept alive: its thread waits for a next request
    assert all(door.closed for door in doors)
    assert all(refused(port) for port in ports)
    assert not [t.name for t in threading.enumerate() if t.name.startswith("lambda-lab-http-life")]
    idle.close()
    with pytest.raises(RuntimeError, match="is closed"):  # nothing would ever stop it
        lab.alb("too-late", "echo")


def test_served_url_goes_through_the_jupyter_proxy_on_a_hub(lab, monkeypatch, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec  # the test environment need not have the course extra
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "jupyter_server_proxy" else find_spec(name, *a),
    )
    monkeypatch.setenv("JUPYTERHUB_PUBLIC_URL", "https://hub.example/user/ada/")
    alb = lab.alb("proxied", "echo")
    api = lab.rest_api_gateway("proxied-rest", "echo")
    assert alb.url == f"https://hub.example/user/ada/proxy/{alb.port}/"
    assert api.url == f"https://hub.example/user/ada/proxy/{api.port}/prod/"
    assert api.local_url == f"http://127.0.0.1:{api.port}/prod/"
    alb.print_url()
    assert capsys.readouterr().out == (
        f"proxied: https://hub.example/user/ada/proxy/{alb.port}/"
        f"  (from this machine: {alb.local_url})\n"
    )
