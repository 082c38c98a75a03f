"""The AWS SDK for JavaScript v3 against the Lab: every response of a create, update, invoke,
version, alias, URL and error run parses, and the SDK's waiters succeed.

The SDK is installed with npm into tests/js/node_modules on first use (skipped, with a
message, when node or npm is missing or the registry cannot be reached).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lambda_lab import Lab, package

JS = Path(__file__).resolve().parent.parent / "js"
SDK = JS / "node_modules" / "@aws-sdk" / "client-lambda"
V1 = "def lambda_handler(event, context):\n    return {'v': 1, 'got': event}\n"
V2 = "def lambda_handler(event, context):\n    return {'v': 2, 'got': event}\n"


def _sdk_ready() -> str | None:
    """None when the SDK can run, else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node or npm is not installed: the JavaScript SDK test needs both"
    if not SDK.exists():
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel", "error"],
            cwd=JS, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0 or not SDK.exists():
            return f"npm could not install @aws-sdk/client-lambda: {done.stderr[-400:]}"
    return None


@pytest.mark.slow
def test_the_javascript_sdk_parses_every_answer_and_its_waiters_succeed(tmp_path) -> None:
    problem = _sdk_ready()
    if problem:
        pytest.skip(problem)
    (tmp_path / "v1.zip").write_bytes(package(V1))
    (tmp_path / "v2.zip").write_bytes(package(V2))
    with Lab() as lab:
        endpoint = lab.serve().url
        done = subprocess.run(
            ["node", str(JS / "sdk_run.mjs"), endpoint, str(tmp_path / "v1.zip"), str(tmp_path / "v2.zip")],
            capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    arn = "arn:aws:lambda:us-east-1:123456789012:function:js-sdk-fn"

    create = report["create"]
    assert (create["status"], create["State"], create["StateReasonCode"]) == (
        201,
        "Pending",
        "Creating",
    )
    assert create["requestId"] and create["Environment"] == {"Variables": {}}
    assert create["RuntimeVersionArn"].startswith("arn:aws:lambda:us-east-1::runtime:")
    assert report["waitActive"] == "SUCCESS"
    assert report["invoke"] == {
        "status": 200, "requestId": report["invoke"]["requestId"], "StatusCode": 200,
        "ExecutedVersion": "$LATEST", "Payload": '{"v": 1, "got": {"n": 1}}', "hasLog": True,
    }  # fmt: skip
    assert report["updateCode"]["LastUpdateStatus"] == "InProgress"
    assert report["waitUpdated"] == report["waitUpdated2"] == "SUCCESS"
    assert (report["updateConfig"]["MemorySize"], report["updateConfig"]["LastUpdateStatus"]) == (
        256,
        "InProgress",
    )
    assert (report["publish"]["status"], report["publish"]["Version"]) == (201, "1")
    assert report["publish"]["FunctionArn"] == f"{arn}:1"
    assert report["waitVersion"] == "SUCCESS"
    assert (report["alias"]["status"], report["alias"]["AliasArn"]) == (201, f"{arn}:live")
    assert report["getAlias"] == "1" and report["listAliases"] == ["live"]
    assert report["getFunctionAlias"] == {
        "FunctionArn": f"{arn}:live",
        "Version": "1",
        "State": "Active",
    }
    assert report["invokeAlias"] == {"ExecutedVersion": "1", "Payload": '{"v": 2, "got": {}}'}
    assert report["versions"] == [["$LATEST", f"{arn}:$LATEST", True], ["1", f"{arn}:1", True]]
    assert report["createUrl"] == {
        "status": 201, "requestId": report["createUrl"]["requestId"], "AuthType": "NONE",
        "hasUrl": True, "InvokeMode": None,
    }  # fmt: skip
    assert report["getUrl"] == {
        "InvokeMode": "BUFFERED", "Cors": {"AllowOrigins": ["https://example.com"], "MaxAge": 60},
        "hasTimes": True,
    }  # fmt: skip
    assert report["updateUrl"] == {"AuthType": "AWS_IAM", "InvokeMode": "RESPONSE_STREAM"}
    assert report["listUrls"] == 1 and report["deleteUrl"]["status"] == 204
    assert report["stream"]["ExecutedVersion"] == "$LATEST"
    assert report["stream"]["events"] == [
        ["PayloadChunk", '{"v": 2, "got": {"n": 2}}'], ["InvokeComplete", None],
    ]  # fmt: skip
    assert report["list"] == {"count": 1, "hasState": False}
    error = report["error"]
    assert (error["name"], error["status"], error["Type"]) == (
        "ResourceNotFoundException",
        404,
        "User",
    )
    # the SDK reads AWS's "Message" member into the error's standard .message
    assert error["message"] == f"Function not found: {arn.replace('js-sdk-fn', 'js-sdk-missing')}"
    assert error["requestId"]
    assert report["validation"]["name"] == "ValidationException"
    assert (
        report["validation"]["status"] == 400
        and "Value 'r1' at 'role'" in report["validation"]["message"]
    )
    assert (report["delete"]["status"], report["delete"]["StatusCode"]) == (204, 204)
