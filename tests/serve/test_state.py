"""`lambda-lab serve --state DIR`: stop it (Ctrl-C), start it again, and everything is back."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from serve_helpers import BIN, Served

HANDLER_V1 = "def lambda_handler(event, context):\n    print('v1 saw', event)\n    return 'one'\n"
HANDLER_V2 = "def lambda_handler(event, context):\n    return 'two'\n"
ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def test_a_restart_keeps_functions_versions_mappings_and_logs(tmp_path) -> None:
    from lambda_lab import package

    state = tmp_path / "state"
    first = Served(tmp_path, state_dir=state).start()
    try:
        lam, sqs = first.boto3("lambda"), first.boto3("sqs")
        lam.create_function(
            FunctionName="kept",
            Runtime="python3.12",
            Role=ROLE,
            Timeout=5,
            MemorySize=256,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package(HANDLER_V1)},
            Environment={"Variables": {"STAGE": "test"}},
            Tags={"team": "course"},
        )
        lam.get_waiter("function_active_v2").wait(FunctionName="kept")
        lam.publish_version(FunctionName="kept", Description="first")
        lam.update_function_code(FunctionName="kept", ZipFile=package(HANDLER_V2))
        lam.get_waiter("function_updated_v2").wait(FunctionName="kept")
        lam.create_alias(FunctionName="kept", Name="live", FunctionVersion="1")
        lam.add_permission(
            FunctionName="kept",
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        )
        lam.put_function_concurrency(FunctionName="kept", ReservedConcurrentExecutions=3)
        lam.put_function_event_invoke_config(FunctionName="kept", MaximumRetryAttempts=1)
        queue = sqs.create_queue(QueueName="kept-queue", Attributes={"VisibilityTimeout": "60"})[
            "QueueUrl"
        ]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        mapping = lam.create_event_source_mapping(
            FunctionName="kept", EventSourceArn=queue_arn, BatchSize=7, Enabled=False
        )
        assert (
            lam.invoke(FunctionName="kept:live", Payload=b'{"before": "restart"}')[
                "ExecutedVersion"
            ]
            == "1"
        )
        before = lam.get_function(FunctionName="kept")
    finally:
        assert first.stop() == 0, "".join(first.output)
    assert "state saved in" in "".join(first.output)
    assert not [p for p in state.rglob("*") if p.name.endswith(".tmp")]
    json.loads((state / "state.json").read_text())  # complete, valid JSON

    second = Served(tmp_path, state_dir=state).start()
    try:
        assert "restored 1 functions, 1 event source mappings" in "".join(second.output)
        lam = second.boto3("lambda")
        after = lam.get_function(FunctionName="kept")
        for key in (
            "RevisionId",
            "CodeSha256",
            "CodeSize",
            "LastModified",
            "MemorySize",
            "Timeout",
            "Environment",
        ):
            assert after["Configuration"][key] == before["Configuration"][key], key
        assert after["Tags"] == {"team": "course"}
        assert after["Concurrency"] == {"ReservedConcurrentExecutions": 3}
        assert [
            v["Version"] for v in lam.list_versions_by_function(FunctionName="kept")["Versions"]
        ] == ["$LATEST", "1"]
        assert lam.get_alias(FunctionName="kept", Name="live")["FunctionVersion"] == "1"
        assert lam.invoke(FunctionName="kept")["Payload"].read() == b'"two"'
        assert lam.invoke(FunctionName="kept:live")["Payload"].read() == b'"one"'
        assert (
            json.loads(lam.get_policy(FunctionName="kept")["Policy"])["Statement"][0]["Sid"] == "s3"
        )
        assert (
            lam.get_function_event_invoke_config(FunctionName="kept")["MaximumRetryAttempts"] == 1
        )
        mappings = lam.list_event_source_mappings(FunctionName="kept")["EventSourceMappings"]
        assert [(m["UUID"], m["EventSourceArn"], m["BatchSize"], m["State"]) for m in mappings] == [
            (mapping["UUID"], mapping["EventSourceArn"], 7, "Disabled")
        ]  # same UUID after the restart
        queue = second.boto3("sqs").get_queue_url(QueueName="kept-queue")["QueueUrl"]
        attributes = second.boto3("sqs").get_queue_attributes(
            QueueUrl=queue, AttributeNames=["VisibilityTimeout"]
        )
        assert attributes["Attributes"]["VisibilityTimeout"] == "60"
        logs = second.boto3("logs").filter_log_events(
            logGroupName="/aws/lambda/kept", filterPattern="v1 saw"
        )
        assert "{'before': 'restart'}" in logs["events"][0]["message"]
    finally:
        assert second.stop() == 0, "".join(second.output)


def test_one_state_directory_serves_one_server_at_a_time(tmp_path) -> None:
    state = tmp_path / "state"
    first = Served(tmp_path, state_dir=state).start()
    try:
        out = subprocess.run(
            [str(BIN / "lambda-lab"), "serve", "--port", "0", "--state", str(state)],
            capture_output=True,
            text=True,
            timeout=60,
            env=first.base_env,
        )
        assert out.returncode == 2
        assert "in use by another lambda-lab serve" in out.stderr
    finally:
        assert first.stop() == 0


def test_a_port_in_use_is_a_clear_error(tmp_path) -> None:
    first = Served(tmp_path).start()
    try:
        port = first.url.rsplit(":", 1)[1]
        out = subprocess.run(
            [str(BIN / "lambda-lab"), "serve", "--port", port],
            capture_output=True,
            text=True,
            timeout=60,
            env=first.base_env,
        )
        assert (
            out.returncode == 2
            and "cannot start" in out.stderr
            and f"port {port} on 127.0.0.1 is already in use" in out.stderr
        )
    finally:
        assert first.stop() == 0


@pytest.mark.parametrize("bad", ["{not json", '{"format": 99}'])
def test_a_damaged_state_file_is_refused_and_left_alone(tmp_path, bad: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "state.json").write_text(bad)
    env = {**Served(tmp_path).base_env}
    out = subprocess.run(
        [str(BIN / "lambda-lab"), "serve", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 2 and "cannot start" in out.stderr and "state.json" in out.stderr
    assert (state / "state.json").read_text() == bad  # nothing is lost
    assert set(os.listdir(state)) == {"state.json", "code", ".lock"}
