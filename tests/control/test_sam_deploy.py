"""A real SAM project's template deployed into a Lab: every function answers through its event
source, what the Lab leaves out is reported one line each, and a redeploy updates in place."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

ORDERS = os.path.join(os.path.dirname(__file__), "sam_apps", "orders")


@pytest.fixture(scope="module")
def deployed():
    from lambda_lab import Lab

    with Lab(clock="virtual") as lab:
        stack = lab.deploy_template(os.path.join(ORDERS, "template.yaml"))
        yield lab, stack


def _wait_for(check, what: str, lab=None, timeout_s: float = 15.0) -> None:
    """Triggers deliver on background threads and pollers wait on the (virtual) clock: move
    the clock a little and look again until ``check()`` holds."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s} s")
        if lab is not None:
            lab.clock.advance(seconds=0.5)
        time.sleep(0.02)


def _lines(lab, function: str, marker: str) -> list[str]:
    return [e.message for e in lab.logs.events(function, pattern=marker)]


def test_the_stack_holds_what_the_template_declares(deployed) -> None:
    lab, stack = deployed
    assert stack.name == "orders"
    functions = {f["FunctionName"] for f in lab.client("lambda").list_functions()["Functions"]}
    assert functions == {
        stack.function_name(logical)
        for logical in ("OrdersApiFunction", "OrderWorker", "Auditor", "PreTrafficHook")
    }
    assert stack.function_name("PreTrafficHook") == "CodeDeployHook_orders_preTraffic"
    config = lab.client("lambda").get_function_configuration(
        FunctionName=stack.function_name("OrderWorker")
    )
    assert (config["Runtime"], config["MemorySize"], config["Timeout"]) == ("python3.12", 256, 10)
    assert config["TracingConfig"] == {"Mode": "Active"}  # from Globals
    assert config["Environment"]["Variables"] == {
        "STAGE": "dev",
        "TABLE_NAME": stack.physical_id("OrdersTable"),
    }
    api = lab.client("lambda").get_function_configuration(
        FunctionName=stack.function_name("OrdersApiFunction")
    )
    assert api["Environment"]["Variables"]["QUEUE_URL"] == stack.physical_id("OrdersQueue")
    alias = lab.client("lambda").get_alias(
        FunctionName=stack.function_name("OrdersApiFunction"), Name="live"
    )
    assert alias["FunctionVersion"] == "1"
    assert stack.outputs["LiveAlias"] == alias["AliasArn"]
    api_id = stack.physical_id("ServerlessRestApi")
    assert (
        stack.outputs["OrdersApi"]
        == f"https://{api_id}.execute-api.us-east-1.amazonaws.com/Prod/orders"
    )
    assert stack.deployments == []  # a first deployment creates the alias, no traffic shift
    layer = stack.physical_id("SharedLayer")
    assert layer == "arn:aws:lambda:us-east-1:123456789012:layer:orders-shared:1"
    assert api["Layers"] == [{"Arn": layer, "CodeSize": api["Layers"][0]["CodeSize"]}]
    published = lab.client("lambda").get_layer_version_by_arn(Arn=layer)
    assert published["CompatibleRuntimes"] == ["python3.12"]


def test_what_the_lab_leaves_out_is_one_line_each(deployed) -> None:
    _, stack = deployed
    assert stack.notes == [  # the layer and the function's Layers are deployed: no line
        "Resources.AppSecret (AWS::SecretsManager::Secret): not supported by the Lab, not created",
        "Resources.OrdersApiFunction.Policies: IAM is not enforced by the Lab (permissions are assumed granted)",
        "Resources.Auditor.Events.Weekly (ScheduleV2): EventBridge Scheduler runs as an EventBridge schedule rule in the Lab",
        "Resources.Auditor.Events.Chat (Type AlexaSkill): this event source is not part of the Lab, left out",
    ]
    report = stack.report()
    assert report.count("\n  - ") == len(stack.notes)
    assert "POST /orders -> OrdersApiFunction (ServerlessRestApi)" in report


def test_the_api_takes_an_order_and_the_queue_feeds_the_worker(deployed) -> None:
    lab, stack = deployed
    door = stack.served("ServerlessRestApi")
    exchange = door.request("POST", "/orders", json={"id": "o-1"})
    assert exchange.response.status == 201
    assert json.loads(exchange.response.body) == {"queued": "o-1", "version": "1"}
    too_big = door.request("POST", "/orders", json={"id": "o-2", "items": ["sock"] * 21})
    assert too_big.response.status == 400  # MAX_ITEMS came from the layer's shop_rules
    assert json.loads(too_big.response.body) == {"message": "at most 20 items"}
    worker = stack.function_name("OrderWorker")
    _wait_for(
        lambda: any('"o-1"' in line for line in _lines(lab, worker, "WORKED")), "the batch", lab
    )
    assert lab.records.last(worker).invocation_type == "poll"
    health = stack.served("ServerlessHttpApi").request("GET", "/health")
    assert json.loads(health.response.body) == {"ok": True, "stage": "dev"}
    api_records = lab.records.for_function(stack.function_name("OrdersApiFunction"))
    assert {r.version for r in api_records} == {"1"}  # events go through the alias


def test_the_schedule_fires_on_the_clock(deployed) -> None:
    lab, stack = deployed
    worker = stack.function_name("OrderWorker")
    before = len(_lines(lab, worker, "REPORT-RUN"))
    lab.clock.advance(hours=2)
    _wait_for(lambda: len(_lines(lab, worker, "REPORT-RUN")) >= before + 2, "two reports", lab)


def test_uploads_notices_table_changes_and_clicks_reach_the_auditor(deployed) -> None:
    lab, stack = deployed
    auditor = stack.function_name("Auditor")

    def sources() -> list[str]:
        return [line.split("\t")[-1].split()[-1] for line in _lines(lab, auditor, "AUDIT")]

    s3 = lab.client("s3")
    s3.put_object(Bucket=stack.physical_id("UploadsBucket"), Key="day.csv", Body=b"a,b")
    s3.put_object(Bucket=stack.physical_id("UploadsBucket"), Key="photo.jpg", Body=b"x")
    sns = lab.client("sns")
    topic = stack.physical_id("NoticesTopic")
    for kind in ("audit", "marketing"):
        sns.publish(TopicArn=topic, Message=kind, MessageAttributes={
            "kind": {"DataType": "String", "StringValue": kind}})  # fmt: skip
    lab.client("dynamodb").put_item(
        TableName=stack.physical_id("OrdersTable"), Item={"id": {"S": "o-9"}}
    )
    lab.client("kinesis").put_record(
        StreamName=stack.physical_id("ClickStream"), Data=b"{}", PartitionKey="k"
    )
    lab.clock.advance(seconds=1)
    wanted = ["aws:dynamodb", "aws:kinesis", "aws:s3", "aws:sns"]
    _wait_for(lambda: sorted(set(sources())) == wanted, "the four sources", lab)
    lab.clock.advance(seconds=1)
    time.sleep(0.3)
    found = sources()
    assert found.count("aws:s3") == 1  # the .jpg does not match the suffix filter
    assert found.count("aws:sns") == 1  # the marketing notice does not match the filter policy


def test_schedule_v2_runs_as_a_weekly_rule(deployed) -> None:
    lab, stack = deployed
    rules = lab.client("events").list_rules()["Rules"]
    weekly = [r for r in rules if r.get("ScheduleExpression") == "cron(0 9 ? * MON *)"]
    assert len(weekly) == 1 and weekly[0]["State"] == "ENABLED"
    targets = lab.client("events").list_targets_by_rule(Rule=weekly[0]["Name"])["Targets"]
    assert targets[0]["Arn"].endswith(f"function:{stack.function_name('Auditor')}")


def test_a_redeploy_of_an_unchanged_template_changes_nothing(deployed) -> None:
    lab, stack = deployed
    again = lab.deploy_template(os.path.join(ORDERS, "template.yaml"))
    assert {k: v.ref for k, v in again.resources.items() if "Api" not in v.type} == {
        k: v.ref for k, v in stack.resources.items() if "Api" not in v.type
    }
    versions = lab.client("lambda").list_versions_by_function(
        FunctionName=stack.function_name("OrdersApiFunction")
    )["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    layers = lab.client("lambda").list_layer_versions(LayerName="orders-shared")["LayerVersions"]
    assert [v["Version"] for v in layers] == [1]  # same content: no new layer version
    assert again.deployments == []
    mappings = lab.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    assert len(mappings) == 3  # SQS, DynamoDB, Kinesis: updated, not duplicated


def test_parameter_overrides_reach_the_functions(tmp_path) -> None:
    from lambda_lab import Lab

    with Lab(clock="virtual") as lab:
        stack = lab.deploy_template(
            os.path.join(ORDERS, "template.yaml"), stack_name="orders-prod",
            parameters={"Stage": "prod"},
        )  # fmt: skip
        health = stack.served("ServerlessHttpApi").request("GET", "/health")
        assert json.loads(health.response.body)["stage"] == "prod"
        assert stack.function_name("OrderWorker").startswith("orders-prod-OrderWorker-")


def copy_project(tmp_path) -> str:
    target = tmp_path / "orders"
    shutil.copytree(ORDERS, target)
    return str(target)


WINDOWED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Readings:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Totals:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            state = event["state"]
            state["count"] = state.get("count", 0) + len(event["Records"])
            if event["isFinalInvokeForWindow"]:
                print("TOTAL", state["count"])
            return {"state": state}
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Readings.Arn
            StartingPosition: TRIM_HORIZON
            TumblingWindowInSeconds: 30
"""


def test_a_stream_event_with_a_tumbling_window_deploys_and_totals() -> None:
    from lambda_lab import Lab

    with Lab(clock="virtual") as lab:
        stack = lab.deploy_template(WINDOWED, stack_name="windowed")
        (mapping,) = lab.client("lambda").list_event_source_mappings()["EventSourceMappings"]
        assert mapping["TumblingWindowInSeconds"] == 30
        for reading in (b"1", b"2", b"3"):
            lab.client("kinesis").put_record(
                StreamName=stack.physical_id("Readings"), Data=reading, PartitionKey="k"
            )
        lab.clock.advance(seconds=31)
        totals = _lines(lab, stack.function_name("Totals"), "TOTAL")
        assert [line.split("\t")[-1].strip() for line in totals] == ["TOTAL 3"]
