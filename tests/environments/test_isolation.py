"""Isolation and safety: the learner's real AWS credentials are never read or passed on, and
every socket a Lab opens listens on 127.0.0.1 only.

The credentials test plants fake "real" credentials everywhere boto3 looks (environment
variables, ~/.aws/credentials, ~/.aws/config, AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE,
a credential_process that leaves a mark if it ever runs) and runs a Lab in a subprocess
with that HOME. An audit hook records every file the Lab process opens; the handler records
the files its own boto3 opens, the URLs it calls and the environment it sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil

from lambda_lab import Lab
from lambda_lab.environments.pool import FAKE_CREDENTIALS

PLANTED = "planted"  # every planted value contains this word, so a leak anywhere shows up

SPY_HANDLER = """
import json, os, sys

opened = []


def _audit(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # before boto3 is imported: everything it reads is seen
import boto3  # noqa: E402

calls = []


def _record_url(request, **_):
    calls.append(request.url)


def lambda_handler(event, context):
    session = boto3.session.Session()
    session.events.register("before-send", _record_url)
    credentials = session.get_credentials()
    sts = session.client("sts").get_caller_identity()
    s3 = session.client("s3")
    s3.create_bucket(Bucket="spy-bucket")
    return {
        "environ": dict(os.environ),
        "key": credentials.access_key,
        "method": credentials.method,
        "account": sts["Account"],
        "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]],
        "calls": calls,
        "opened": opened,
    }
"""

LAB_SCRIPT = """
import json, os, sys

opened = []


def _audit(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and isinstance(args[0], (str, bytes)):
        opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)
from lambda_lab import Lab  # noqa: E402

with Lab() as lab:
    lab.deploy("spy", sys.argv[1], Timeout=60)
    result = lab.invoke("spy")
    s3 = lab.client("s3")  # the Lab's own clients, in this process
    s3.create_bucket(Bucket="lab-bucket")
    lab_buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    functions = [f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]]
print(json.dumps({"handler": result.value, "error": result.function_error, "lab_buckets": lab_buckets,
                  "functions": functions, "opened": opened}))
"""


def _plant(home: Path) -> dict[str, str]:
    """Fake real credentials in HOME and in the environment; returns the environment."""
    marker = home / "credential-process-ran"
    process = f"{sys.executable} -c \"open('{marker}', 'w').write('ran')\""
    aws = home / ".aws"
    aws.mkdir(parents=True)
    (aws / "credentials").write_text(
        f"[default]\naws_access_key_id = AKIA{PLANTED.upper()}FILE\naws_secret_access_key = {PLANTED}-file-secret\n"
        f"[{PLANTED}]\naws_access_key_id = AKIA{PLANTED.upper()}PROFILE\naws_secret_access_key = {PLANTED}-profile\n"
    )
    config = (
        f"[default]\nregion = eu-{PLANTED}-1\nendpoint_url = https://{PLANTED}-config.invalid\n"
        f"credential_process = {process}\n[profile {PLANTED}]\ncredential_process = {process}\n"
    )
    (aws / "config").write_text(config)
    elsewhere = home / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config").write_text(config)
    (elsewhere / "credentials").write_text((aws / "credentials").read_text())
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environ.update(
        HOME=str(home),
        AWS_ACCESS_KEY_ID=f"AKIA{PLANTED.upper()}ENV",
        AWS_SECRET_ACCESS_KEY=f"{PLANTED}-env-secret",
        AWS_SESSION_TOKEN=f"{PLANTED}-env-token",
        AWS_PROFILE=PLANTED,
        AWS_DEFAULT_PROFILE=PLANTED,
        AWS_REGION=f"eu-{PLANTED}-2",
        AWS_DEFAULT_REGION=f"eu-{PLANTED}-2",
        AWS_ENDPOINT_URL=f"https://{PLANTED}-env.invalid",
        AWS_CONFIG_FILE=str(elsewhere / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(elsewhere / "credentials"),
    )
    return environ


def test_real_credentials_are_never_read_or_passed_on(tmp_path: Path) -> None:
    home = tmp_path / "home"
    environ = _plant(home)
    done = subprocess.run(
        [sys.executable, "-c", LAB_SCRIPT, SPY_HANDLER],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["error"] is None, report["handler"]
    assert report["functions"] == ["spy"] and sorted(report["lab_buckets"]) == [
        "lab-bucket",
        "spy-bucket",
    ]
    handler = report["handler"]

    # The Lab process opened nothing under the planted HOME or the planted config paths
    # (the hooks did see files: botocore's service models, for a start).
    assert any("botocore" in p for p in report["opened"]) and any(
        "botocore" in p for p in handler["opened"]
    )
    assert [p for p in report["opened"] if str(home) in p or "/.aws" in p] == []
    # The handler's boto3 used the Lab's fake keys and reached only the loopback endpoint.
    assert handler["key"] == FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"] and handler["method"] == "env"
    assert handler["account"] == "123456789012"
    assert handler["calls"] and all(url.startswith("http://127.0.0.1:") for url in handler["calls"])
    assert [p for p in handler["opened"] if str(home) in p or "/.aws" in p] == []
    seen = handler["environ"]
    assert seen["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        assert seen[name] == FAKE_CREDENTIALS[name]
    assert "AWS_PROFILE" not in seen and "AWS_DEFAULT_PROFILE" not in seen
    assert seen.get("HOME") != str(home)
    # Not one planted value anywhere: not in what the handler saw, not in what the Lab printed.
    assert PLANTED not in done.stdout.lower() and PLANTED not in done.stderr.lower()
    assert not (home / "credential-process-ran").exists()


def _listening(process: psutil.Process) -> list[tuple[str, int]]:
    sockets = process.net_connections(kind="inet")
    return [
        (s.laddr.ip, s.laddr.port) for s in sockets if s.status == psutil.CONN_LISTEN or not s.raddr
    ]


def test_every_listener_of_a_lab_is_on_loopback(lab: Lab) -> None:
    lab.deploy("web", "def lambda_handler(e, c):\n    return {'statusCode': 200, 'body': 'hi'}\n")
    endpoint = lab.serve()
    lab.service_client("sqs").create_queue(QueueName="q")  # moto behind the endpoint, loaded
    doors = [
        lab.alb("web-alb", "web"),
        lab.http_api("web-http", "web"),
        lab.rest_api_gateway("web-rest", "web"),
    ]
    url = lab.client("lambda").create_function_url_config(FunctionName="web", AuthType="NONE")[
        "FunctionUrl"
    ]
    assert lab.invoke("web").value["body"] == "hi"  # a worker is running too
    me = psutil.Process()
    ports = {int(endpoint.url.rsplit(":", 1)[1])} | {door.listener.port for door in doors}
    ports.add(int(url.rstrip("/").rsplit(":", 1)[1]))
    listening = _listening(me) + [
        s for child in me.children(recursive=True) for s in _listening(child)
    ]
    assert ports <= {port for _, port in listening}, (ports, listening)  # each one found
    assert {ip for ip, _ in listening} == {"127.0.0.1"}, listening
