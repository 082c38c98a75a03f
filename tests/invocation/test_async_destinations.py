"""Event invoke configs (Put/Update/Get/Delete/List) and OnSuccess / OnFailure destinations."""

from __future__ import annotations

import json

import pytest
from runtime_helpers import ECHO, FAILS, make_queue, receive_all, sample, shape_differences

from lambda_lab.monitoring import metrics


def _arn(lab, name):
    return lab.functions.get(name).arn


def test_put_get_update_list_delete_event_invoke_config(virtual_lab):
    lab = virtual_lab
    lab.deploy("fn", ECHO)
    _, queue_arn = make_queue(lab, "done")
    client = lab.client("lambda")
    put = client.put_function_event_invoke_config(
        FunctionName="fn",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnSuccess": {"Destination": queue_arn}},
    )
    assert put["FunctionArn"] == _arn(lab, "fn") + ":$LATEST"
    assert put["MaximumRetryAttempts"] == 1 and "MaximumEventAgeInSeconds" not in put
    assert put["DestinationConfig"] == {"OnSuccess": {"Destination": queue_arn}, "OnFailure": {}}
    updated = client.update_function_event_invoke_config(
        FunctionName="fn", MaximumEventAgeInSeconds=3600
    )
    assert (
        updated["MaximumRetryAttempts"] == 1 and updated["MaximumEventAgeInSeconds"] == 3600
    )  # kept, added
    assert updated["DestinationConfig"]["OnSuccess"] == {"Destination": queue_arn}
    replaced = client.put_function_event_invoke_config(
        FunctionName="fn", MaximumEventAgeInSeconds=60
    )
    assert (
        "MaximumRetryAttempts" not in replaced and replaced["DestinationConfig"]["OnSuccess"] == {}
    )  # Put resets
    assert (
        client.get_function_event_invoke_config(FunctionName="fn")["MaximumEventAgeInSeconds"] == 60
    )
    listed = client.list_function_event_invoke_configs(FunctionName="fn")[
        "FunctionEventInvokeConfigs"
    ]
    assert [c["FunctionArn"] for c in listed] == [_arn(lab, "fn") + ":$LATEST"]
    client.delete_function_event_invoke_config(FunctionName="fn")
    with pytest.raises(
        client.exceptions.ResourceNotFoundException, match="doesn't have an EventInvokeConfig"
    ):
        client.get_function_event_invoke_config(FunctionName="fn")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.update_function_event_invoke_config(FunctionName="fn", MaximumRetryAttempts=0)


@pytest.mark.parametrize(
    ("settings", "error", "words"),
    [
        ({"MaximumRetryAttempts": 3}, "ValidationException", "less than or equal to 2"),
        ({"MaximumEventAgeInSeconds": 59}, "ValidationException", "greater than or equal to 60"),
        ({"MaximumEventAgeInSeconds": 21601}, "ValidationException", "less than or equal to 21600"),
        ({"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}},
         "InvalidParameterValueException", "only be an OnFailure destination"),
        ({"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:dynamodb:us-east-1:123456789012:table/t"}}},
         "InvalidParameterValueException", "is invalid"),
    ],
)  # fmt: skip
def test_event_invoke_config_validation(virtual_lab, settings, error, words):
    lab = virtual_lab
    lab.deploy("fn", ECHO)
    # Straight to the REST API, as curl would send it: boto3 checks some minimums itself.
    reply = lab.rest_api().handle(
        "PUT", "/2019-09-25/functions/fn/event-invoke-config", {}, {}, json.dumps(settings).encode()
    )
    assert reply.status == 400 and reply.headers["x-amzn-ErrorType"] == error
    assert words in json.loads(reply.body)["message"]


def test_success_record_to_sqs_matches_awss_shape(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "successes")
    lab.deploy("ok", "def lambda_handler(event, context):\n    return {'got': event}\n")
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="ok", DestinationConfig={"OnSuccess": {"Destination": arn}}
    )
    answer = lab.invoke_async("ok", {"Success": True})
    lab.clock.run_until_idle()
    (message,) = receive_all(lab, url)
    record = json.loads(message["Body"])
    expected = sample("destination_success.json")
    expected["responsePayload"] = {"got": {"Success": True}}  # the function's own answer
    assert shape_differences(record, expected) == []
    assert record["requestContext"] == {
        "requestId": answer["RequestId"], "functionArn": _arn(lab, "ok") + ":$LATEST",
        "condition": "Success", "approximateInvokeCount": 1,
    }  # fmt: skip
    assert record["requestPayload"] == {"Success": True}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}


def test_failure_record_to_sqs_matches_awss_shape(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "failures")
    lab.deploy("fails", FAILS)
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="fails", DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    lab.invoke_async("fails", {"ORDER_IDS": ["a", "b"]})
    lab.clock.run_until_idle()
    (message,) = receive_all(lab, url)
    record = json.loads(message["Body"])
    expected = sample("destination_failure.json")
    error = record["responsePayload"]
    assert error["errorMessage"] == "boom" and error["errorType"] == "Exception"  # the error object
    expected["responsePayload"] = error
    assert shape_differences(record, expected) == []
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }


def test_destinations_to_sns_lambda_eventbridge_and_s3(virtual_lab):
    lab = virtual_lab
    sns = lab.client("sns")
    topic = sns.create_topic(Name="results")["TopicArn"]
    inbox_url, inbox_arn = make_queue(lab, "inbox")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    lab.deploy("collector", ECHO)
    lab.client("s3").create_bucket(Bucket="failed-records")
    events = lab.client("events")
    bus_url, bus_queue = make_queue(lab, "from-bus")
    events.put_rule(Name="results", EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="results", Targets=[{"Id": "q", "Arn": bus_queue}])
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    client = lab.client("lambda")

    lab.deploy("ok", ECHO)
    lab.deploy("fails", FAILS)
    client.put_function_event_invoke_config(FunctionName="ok", DestinationConfig={
        "OnSuccess": {"Destination": topic}})  # fmt: skip
    lab.deploy("ok2", ECHO)
    client.put_function_event_invoke_config(FunctionName="ok2", DestinationConfig={
        "OnSuccess": {"Destination": _arn(lab, "collector")}})  # fmt: skip
    client.put_function_event_invoke_config(FunctionName="fails", MaximumRetryAttempts=0, DestinationConfig={
        "OnFailure": {"Destination": bus}})  # fmt: skip
    lab.deploy("fails2", FAILS)
    client.put_function_event_invoke_config(FunctionName="fails2", MaximumRetryAttempts=0, DestinationConfig={
        "OnFailure": {"Destination": "arn:aws:s3:::failed-records"}})  # fmt: skip
    for name in ("ok", "ok2", "fails", "fails2"):
        lab.invoke_async(name, {"from": name})
    lab.clock.run_until_idle()

    (via_sns,) = receive_all(lab, inbox_url)
    assert json.loads(via_sns["Body"])["requestPayload"] == {"from": "ok"}
    collected = lab.records.for_function("collector")
    assert (
        len(collected) == 1 and collected[0].invocation_type == "Event"
    )  # Lambda destinations are async
    (collector_event,) = lab.async_queue.events("collector")
    assert json.loads(collector_event.payload)["requestContext"]["condition"] == "Success"
    (via_bus,) = receive_all(lab, bus_url)
    envelope = json.loads(via_bus["Body"])
    assert envelope["source"] == "lambda"
    assert envelope["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert envelope["resources"] == [_arn(lab, "fails") + ":$LATEST", bus]
    assert envelope["detail"]["requestPayload"] == {"from": "fails"}
    (stored,) = lab.client("s3").list_objects_v2(Bucket="failed-records")["Contents"]
    assert stored["Key"].startswith("aws/lambda/async/fails2/")
    body = lab.client("s3").get_object(Bucket="failed-records", Key=stored["Key"])["Body"].read()
    assert json.loads(body)["requestContext"]["condition"] == "RetriesExhausted"


def test_a_fifo_destination_fails_delivery_and_is_counted(virtual_lab):
    lab = virtual_lab
    _, arn = make_queue(lab, "results.fifo", FifoQueue="true")
    lab.deploy("ok", ECHO)
    lab.client("lambda").put_function_event_invoke_config(FunctionName="ok", DestinationConfig={
        "OnSuccess": {"Destination": arn}})  # fmt: skip
    lab.invoke_async("ok", {})
    lab.clock.run_until_idle()
    assert lab.metrics.total(metrics.DESTINATION_DELIVERY_FAILURES, "ok") == 1
    (event,) = lab.async_queue.events("ok")
    assert "FIFO" in event.steps[-1].detail
