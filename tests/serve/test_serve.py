"""`lambda-lab serve` as a learner uses it: the banner, the AWS CLI (v1 and v2) and unmodified
boto3 against it, AWS-style errors for what the Lab does not offer, and proof that nothing
leaves 127.0.0.1."""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
import zipfile

import pytest
from serve_helpers import Served

HANDLER = (
    "def lambda_handler(event, context):\n    print('handling', event)\n    return {'got': event}\n"
)
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


@pytest.fixture(scope="module")
def package(served: Served):
    path = served.tmp / "function.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("lambda_function.py")  # world-readable, as Lambda needs
        info.external_attr = 0o644 << 16
        archive.writestr(info, HANDLER)
    return path


def test_the_banner_says_what_to_export_for_each_cli(served: Served) -> None:
    text = "".join(served.output)
    assert f"export AWS_ENDPOINT_URL={served.url}" in text
    assert "export AWS_ACCESS_KEY_ID=" in text and "export AWS_SECRET_ACCESS_KEY=" in text
    assert "export AWS_DEFAULT_REGION=us-east-1" in text
    assert f"aws --endpoint-url {served.url} lambda list-functions" in text
    assert "--cli-binary-format" in text and "Ctrl-C" in text
    assert served.start_seconds > 0


def test_function_lifecycle_from_the_cli(served: Served, package, version: int) -> None:
    name = f"cli-fn-v{version}"
    created = served.aws_json(
        "lambda",
        "create-function",
        "--function-name",
        name,
        "--runtime",
        "python3.12",
        "--role",
        ROLE,
        "--handler",
        "lambda_function.lambda_handler",
        "--zip-file",
        f"fileb://{package}",
        version=version,
    )
    assert (created["FunctionName"], created["State"], created["Version"]) == (
        name,
        "Pending",  # as AWS answers CreateFunction; the waiter below sees it become Active
        "$LATEST",
    )
    assert created["CodeSize"] == package.stat().st_size
    served.aws("lambda", "wait", "function-active-v2", "--function-name", name, version=version)
    updated = served.aws_json(
        "lambda",
        "update-function-configuration",
        "--function-name",
        name,
        "--memory-size",
        "256",
        "--timeout",
        "10",
        version=version,
    )
    assert (updated["MemorySize"], updated["Timeout"]) == (256, 10)
    assert updated["LastUpdateStatus"] == "InProgress"
    served.aws("lambda", "wait", "function-updated-v2", "--function-name", name, version=version)
    assert (
        served.aws_json("lambda", "publish-version", "--function-name", name, version=version)[
            "Version"
        ]
        == "1"
    )
    alias = served.aws_json(
        "lambda",
        "create-alias",
        "--function-name",
        name,
        "--name",
        "live",
        "--function-version",
        "1",
        version=version,
    )
    assert alias["AliasArn"].endswith(f":function:{name}:live")
    payload = (
        ["--payload", '{"n": 1}']
        if version == 1
        else ["--cli-binary-format", "raw-in-base64-out", "--payload", '{"n": 1}']
    )
    out = served.aws_json(
        "lambda",
        "invoke",
        "--function-name",
        name,
        "--qualifier",
        "live",
        *payload,
        "--log-type",
        "Tail",
        "out.json",
        version=version,
    )
    assert out["StatusCode"] == 200 and out["ExecutedVersion"] == "1"
    assert "handling {'n': 1}" in base64.b64decode(out["LogResult"]).decode()
    assert json.loads((served.tmp / "out.json").read_text()) == {"got": {"n": 1}}
    served.aws("lambda", "delete-function", "--function-name", name, version=version)
    missing = served.aws(
        "lambda", "get-function", "--function-name", name, version=version, check=False
    )
    assert missing.returncode == 254 if version == 2 else missing.returncode == 255
    assert "ResourceNotFoundException" in missing.stderr and f"function:{name}" in missing.stderr


def test_logs_of_a_function_from_the_cli(served: Served, package, version: int) -> None:
    name = f"logged-v{version}"
    served.boto3("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package.read_bytes()},
    )
    served.boto3("lambda").get_waiter("function_active_v2").wait(FunctionName=name)
    served.boto3("lambda").invoke(FunctionName=name, Payload=b'{"hello": "logs"}')
    if version == 2:  # `aws logs tail` exists in v2 only
        out = served.aws("logs", "tail", f"/aws/lambda/{name}", version=2).stdout
    else:
        out = served.aws(
            "logs",
            "filter-log-events",
            "--log-group-name",
            f"/aws/lambda/{name}",
            "--query",
            "events[].[message]",
            "--output",
            "text",
        ).stdout
    assert "handling {'hello': 'logs'}" in out
    assert "REPORT RequestId:" in out and "Init Duration" in out


@pytest.mark.slow
def test_configuration_operations_the_issue_lists(served: Served, package) -> None:
    """One pass over the other control-plane operations, with the v1 CLI."""
    lam = served.boto3("lambda")
    lam.create_function(
        FunctionName="ops",
        Runtime="python3.12",
        Role=ROLE,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package.read_bytes()},
        Publish=True,
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="ops")
    assert served.aws_json(
        "lambda",
        "put-function-concurrency",
        "--function-name",
        "ops",
        "--reserved-concurrent-executions",
        "5",
    ) == {"ReservedConcurrentExecutions": 5}
    assert served.aws_json("lambda", "get-function-concurrency", "--function-name", "ops") == {
        "ReservedConcurrentExecutions": 5
    }
    served.aws("lambda", "delete-function-concurrency", "--function-name", "ops")
    put = served.aws_json(
        "lambda",
        "put-function-event-invoke-config",
        "--function-name",
        "ops",
        "--maximum-retry-attempts",
        "1",
        "--maximum-event-age-in-seconds",
        "3600",
    )
    assert (put["MaximumRetryAttempts"], put["MaximumEventAgeInSeconds"]) == (1, 3600)
    updated = served.aws_json(
        "lambda",
        "update-function-event-invoke-config",
        "--function-name",
        "ops",
        "--maximum-retry-attempts",
        "0",
    )
    assert (updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]) == (0, 3600)
    served.aws("lambda", "delete-function-event-invoke-config", "--function-name", "ops")
    statement = served.aws_json(
        "lambda",
        "add-permission",
        "--function-name",
        "ops",
        "--statement-id",
        "sns",
        "--action",
        "lambda:InvokeFunction",
        "--principal",
        "sns.amazonaws.com",
    )
    assert json.loads(statement["Statement"])["Principal"] == {"Service": "sns.amazonaws.com"}
    policy = json.loads(served.aws_json("lambda", "get-policy", "--function-name", "ops")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["sns"]
    arn = lam.get_function(FunctionName="ops")["Configuration"]["FunctionArn"]
    served.aws("lambda", "tag-resource", "--resource", arn, "--tags", "team=course")
    assert served.aws_json("lambda", "list-tags", "--resource", arn) == {"Tags": {"team": "course"}}
    settings = served.aws_json("lambda", "get-account-settings")
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountUsage"]["FunctionCount"] >= 1
    provisioned = served.aws_json(
        "lambda",
        "put-provisioned-concurrency-config",
        "--function-name",
        "ops",
        "--qualifier",
        "1",
        "--provisioned-concurrent-executions",
        "1",
    )
    assert provisioned["RequestedProvisionedConcurrentExecutions"] == 1
    url = served.aws_json(
        "lambda", "create-function-url-config", "--function-name", "ops", "--auth-type", "NONE"
    )
    assert url["AuthType"] == "NONE" and url["FunctionUrl"].startswith("http")


def test_an_sqs_mapping_made_with_the_cli_delivers_messages(served: Served, package) -> None:
    lam, sqs = served.boto3("lambda"), served.boto3("sqs")
    lam.create_function(
        FunctionName="reader",
        Runtime="python3.12",
        Role=ROLE,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": package.read_bytes()},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="reader")
    queue = sqs.create_queue(QueueName="cli-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    mapping = served.aws_json(
        "lambda",
        "create-event-source-mapping",
        "--function-name",
        "reader",
        "--event-source-arn",
        queue_arn,
        "--batch-size",
        "5",
    )
    assert (mapping["EventSourceArn"], mapping["BatchSize"]) == (queue_arn, 5)
    sqs.send_message(QueueUrl=queue, MessageBody="from the test")
    assert wait_for(lambda: log_events(served, "/aws/lambda/reader", "from the test")), (
        "no delivery"
    )


def log_events(served: Served, group: str, pattern: str) -> list:
    logs = served.boto3("logs")
    if group not in [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]:
        return []  # no invoke yet: the group does not exist
    return logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"]


def wait_for(probe, timeout_s: float = 10.0):
    """The first truthy answer of ``probe``, polled every 50 ms (None after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    return None


def test_unsupported_operations_answer_an_aws_style_error(served: Served) -> None:
    out = served.aws("lambda", "list-code-signing-configs", check=False)
    assert out.returncode == 255
    assert "UnsupportedOperation" in out.stderr and "ListCodeSigningConfigs" in out.stderr
    request = urllib.request.Request(
        f"{served.url}/2015-03-31/functions/x/invocations",
        data=b"{not json",
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code in (400, 404)
    assert raised.value.headers["x-amzn-ErrorType"] in (
        "InvalidRequestContentException",
        "ResourceNotFoundException",
    )
    body = json.loads(raised.value.read())  # Message or message, as AWS's model spells each error
    assert body.get("message") or body.get("Message")


def test_boto3_calls_never_leave_loopback(
    served: Served, package, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test process's own connects, the server's, the CLIs' and a worker's: all 127.0.0.1."""
    seen: list = []
    real_connect = socket.socket.connect

    def watching(self, address):
        seen.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", watching)
    worker_code = (
        "import boto3, socket, sys\n"
        "def lambda_handler(event, context):\n"
        "    seen = []\n"
        "    sys.addaudithook(lambda ev, args: seen.append(str(args[1][0])) if ev == 'socket.connect' and"
        " args[0].family == socket.AF_INET else None)\n"
        "    boto3.client('s3').put_object(Bucket='loopback-proof', Key='k', Body=b'from a worker')\n"
        "    return seen\n"
    )
    lam, s3 = served.boto3("lambda"), served.boto3("s3")
    from lambda_lab import package as make_package

    lam.create_function(
        FunctionName="uses-s3",
        Runtime="python3.12",
        Role=ROLE,
        Timeout=30,
        Handler="lambda_function.lambda_handler",
        Code={"ZipFile": make_package(worker_code)},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="uses-s3")
    s3.create_bucket(Bucket="loopback-proof")
    answer = lam.invoke(FunctionName="uses-s3")
    worker_connects = json.loads(answer["Payload"].read())
    assert s3.get_object(Bucket="loopback-proof", Key="k")["Body"].read() == b"from a worker"
    served.aws("s3api", "list-buckets")
    assert seen and {address[0] for address in seen} == {"127.0.0.1"}
    assert worker_connects and set(worker_connects) == {"127.0.0.1"}
    server_and_clis = served.sockets()  # urllib3 probes IPv6 support by binding ::1, loopback too
    assert all(ipaddress.ip_address(entry[2]).is_loopback for entry in server_and_clis), (
        server_and_clis
    )
    assert any(entry[0] == "socket.connect" and "aws" in entry[1] for entry in server_and_clis)
    binds = [
        entry for entry in server_and_clis if entry[0] == "socket.bind" and "lambda-lab" in entry[1]
    ]
    assert binds, "the server's own listening socket was not seen"


def test_serve_help_lists_real_lambda_operations() -> None:
    import botocore.session

    from lambda_lab.serve.command import offered_operations

    known = set(botocore.session.Session().get_service_model("lambda").operation_names)
    offered = offered_operations()
    assert {"Invoke", "PublishVersion", "CreateAlias", "AddPermission", "TagResource"} <= set(
        offered
    )
    assert set(offered) <= known, set(offered) - known
