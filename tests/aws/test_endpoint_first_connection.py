"""The loopback endpoint's address is given out at once; its server is built when the first
connection arrives, and then answers exactly as before."""

from __future__ import annotations

import threading
import time

import pytest

from lambda_lab import Lab

WAITER = "lambda-lab-aws-endpoint-wait"


def _waiting() -> bool:
    return any(thread.name == WAITER for thread in threading.enumerate())


def _until(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_server_is_built_by_the_first_connection(lab: Lab) -> None:
    url = lab.aws.url
    assert url.startswith("http://127.0.0.1:") and not lab.aws.running
    s3 = lab.service_client("s3")
    s3.create_bucket(Bucket="first-connection")
    assert lab.aws.running and lab.aws.url == url
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["first-connection"]
    assert _until(lambda: not _waiting())


def test_a_handler_reaches_it_in_its_first_cold_start(lab: Lab) -> None:
    code = (
        "import boto3\n"
        "def lambda_handler(event, context):\n"
        "    s3 = boto3.client('s3', region_name='us-east-1')\n"
        "    s3.create_bucket(Bucket='from-a-handler')\n"
        "    return [b['Name'] for b in s3.list_buckets()['Buckets']]\n"
    )
    lab.deploy("calls-s3", code, Timeout=30)
    result = lab.invoke("calls-s3")
    assert result.value == ["from-a-handler"], result.log


def test_serve_after_the_address_was_given_keeps_it(lab: Lab) -> None:
    url = lab.aws.url
    port = int(url.rsplit(":", 1)[1])
    assert lab.serve().url == url and lab.aws.running
    assert _until(lambda: not _waiting())
    with pytest.raises(OSError, match="already listens"):
        lab.serve(port + 1 if port < 65535 else port - 1)


def test_closing_before_any_connection_ends_the_wait() -> None:
    with Lab() as lab:
        assert lab.aws.url
        assert _waiting()
    assert _until(lambda: not _waiting())
    assert not lab.aws.running
