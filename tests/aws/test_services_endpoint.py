"""The loopback endpoint: boto3 clients on the Lab's state, handlers reaching the same state,
nothing sent anywhere but 127.0.0.1, moto loaded only when a service is used."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading

import pytest
from runtime_helpers import ECHO

from lambda_lab import Lab

# Every outgoing connection made by this test process while ``_watching`` is set.
_connections: list[tuple[str, object]] = []
_watching = threading.Event()
_hook_installed = False


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _watching.is_set():
        sock, address = args[0], args[1]
        _connections.append((repr(sock.family), address))


@pytest.fixture
def connection_log():
    """Audit hooks cannot be removed: one cheap hook for the whole session, switched on here."""
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    _connections.clear()
    _watching.set()
    yield _connections
    _watching.clear()


HANDLER_WATCHING_ITS_SOCKETS = textwrap.dedent("""
    import os
    import sys

    connections = []

    def watch(event, args):
        if event == "socket.connect":
            connections.append(repr(args[1]))

    sys.addaudithook(watch)
    import boto3

    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        s3.put_object(Bucket="shared", Key="from-worker.txt", Body=b"written by the handler")
        seen = s3.get_object(Bucket="shared", Key="from-lab.txt")["Body"].read().decode()
        queue = boto3.client("sqs").get_queue_url(QueueName="work")["QueueUrl"]
        boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="hello")
        boto3.client("dynamodb").list_tables()
        answer = boto3.client("lambda").invoke(FunctionName="echo", Payload=b'{"nested": true}')
        return {
            "seen": seen,
            "nested": answer["Payload"].read().decode(),
            "connections": connections,
            "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
            "key": os.environ.get("AWS_ACCESS_KEY_ID"),
            "identity": boto3.client("sts").get_caller_identity()["Account"],
        }
""")


def test_handler_boto3_reaches_the_labs_state_and_only_loopback(
    virtual_lab, connection_log, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYMUSTNOTLEAK")  # the learner's own shell
    lab = virtual_lab
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="from-lab.txt", Body=b"written by the Lab")
    lab.client("sqs").create_queue(QueueName="work")
    lab.deploy("echo", ECHO)
    lab.deploy("worker", HANDLER_WATCHING_ITS_SOCKETS, MemorySize=256, Timeout=20)

    result = lab.invoke("worker", {})

    assert result.function_error is None, result.payload
    answer = result.value
    assert answer["seen"] == "written by the Lab"
    assert json.loads(answer["nested"]) == {"nested": True}
    assert (
        s3.get_object(Bucket="shared", Key="from-worker.txt")["Body"].read()
        == b"written by the handler"
    )
    assert lab.client("sqs").receive_message(QueueUrl=lab.client("sqs").get_queue_url(QueueName="work")["QueueUrl"])[
        "Messages"][0]["Body"] == "hello"  # fmt: skip
    assert answer["endpoint"] == lab.aws.url and answer["endpoint"].startswith("http://127.0.0.1:")
    assert answer["key"] != "AKIAREALKEYMUSTNOTLEAK" and "FAKE" in answer["key"]
    assert answer["identity"] == lab.account_id
    port = lab.aws.url.rsplit(":", 1)[1]
    assert answer["connections"], "the handler made no connection at all?"
    assert all(c == f"('127.0.0.1', {port})" for c in answer["connections"]), answer["connections"]
    inet = [address for family, address in connection_log if "AF_INET" in family]
    assert inet and all(address[0] == "127.0.0.1" for address in inet), connection_log


def test_lab_clients_are_real_boto3_clients_with_fake_keys(virtual_lab):
    lab = virtual_lab
    s3 = lab.client("s3")
    assert s3.meta.service_model.service_name == "s3"
    assert s3.meta.endpoint_url == lab.aws.url
    assert s3._request_signer._credentials.access_key.startswith("ASIA")  # the Lab's fake key
    with pytest.raises(ValueError, match="the Lab serves"):
        lab.client("rds")  # not one the Lab serves


def test_the_labs_log_groups_are_readable_through_the_endpoint(virtual_lab):
    lab = virtual_lab
    lab.deploy(
        "echo", "def lambda_handler(event, context):\n    print('hello logs')\n    return 1\n"
    )
    lab.invoke("echo", {})
    logs = lab.client("logs")
    events = logs.filter_log_events(logGroupName="/aws/lambda/echo")["events"]
    assert any("hello logs" in e["message"] for e in events)


def test_moto_state_is_wiped_when_the_last_lab_closes():
    with Lab(clock="virtual") as first:
        first.client("s3").create_bucket(Bucket="temporary")
        assert [b["Name"] for b in first.client("s3").list_buckets()["Buckets"]] == ["temporary"]
    with Lab(clock="virtual") as second:
        assert second.client("s3").list_buckets()["Buckets"] == []


def test_moto_loads_only_when_another_service_is_used():
    script = textwrap.dedent("""
        import sys
        from lambda_lab import Lab
        with Lab(clock="virtual") as lab:
            lab.deploy("echo", "def lambda_handler(event, context):\\n    return event\\n")
            lab.invoke("echo", {"a": 1})
            lab.invoke_async("echo", {"a": 2})
            lab.clock.run_until_idle()
            before = "moto" in sys.modules
            lab.client("sqs").list_queues()
            after = "moto" in sys.modules
        print(before, after)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_unsigned_requests_and_errors_come_back_in_aws_shapes(virtual_lab):
    import urllib.request

    lab = virtual_lab
    lab.deploy("echo", ECHO)
    with urllib.request.urlopen(
        f"{lab.aws.url}/2015-03-31/functions/echo/configuration", timeout=10
    ) as reply:
        assert json.loads(reply.read())["FunctionName"] == "echo"
    events = lab.client("events")
    with pytest.raises(events.exceptions.ClientError) as caught:
        events.put_rule(Name="empty")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
