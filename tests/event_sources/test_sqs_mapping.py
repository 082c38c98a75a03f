"""SQS event source mappings: CRUD, batching, visibility timeout, partial failures, redrive, filters."""

from __future__ import annotations

import json

import pytest
from runtime_helpers import ECHO, FAILS, events_received, make_queue, receive_all

REPORTS_BAD = """
def lambda_handler(event, context):
    bad = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    return {"batchItemFailures": [{"itemIdentifier": m} for m in bad]}
"""


def _mapping(lab, function, arn, **settings):
    return lab.client("lambda").create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, **settings
    )


def _send(lab, url, *bodies):
    return [
        lab.client("sqs").send_message(QueueUrl=url, MessageBody=b)["MessageId"] for b in bodies
    ]


def test_create_get_update_list_delete(virtual_lab):
    lab = virtual_lab
    _, arn = make_queue(lab, "jobs")
    lab.deploy("worker", ECHO)
    client = lab.client("lambda")
    created = _mapping(lab, "worker", arn, BatchSize=50, MaximumBatchingWindowInSeconds=5)
    assert created["State"] == "Creating" and created["BatchSize"] == 50
    assert created["FunctionArn"] == lab.functions.get("worker").arn
    assert created["EventSourceMappingArn"].endswith(f":event-source-mapping:{created['UUID']}")
    assert "StartingPosition" not in created  # a queue has no position
    got = client.get_event_source_mapping(UUID=created["UUID"])
    assert got["State"] == "Enabled" and got["MaximumBatchingWindowInSeconds"] == 5
    updated = client.update_event_source_mapping(UUID=created["UUID"], Enabled=False, BatchSize=10)
    assert updated["State"] == "Updating"
    assert client.get_event_source_mapping(UUID=created["UUID"])["State"] == "Disabled"
    listed = client.list_event_source_mappings(FunctionName="worker")["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [created["UUID"]]
    assert client.list_event_source_mappings(EventSourceArn="arn:aws:sqs:us-east-1:123456789012:other")[
        "EventSourceMappings"] == []  # fmt: skip
    assert client.delete_event_source_mapping(UUID=created["UUID"])["State"] == "Deleting"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_event_source_mapping(UUID=created["UUID"])


@pytest.mark.parametrize(
    ("settings", "words", "code"),
    [
        ({"BatchSize": 11}, "Maximum batch window in seconds must be greater than 0", "InvalidParameterValueException"),
        ({"StartingPosition": "LATEST"}, "cannot be used with an SQS event source", "InvalidParameterValueException"),
        ({"BisectBatchOnFunctionError": True}, "cannot be used with an SQS event source", "InvalidParameterValueException"),
        # an enum of botocore's model: AWS's request validation answers (ValidationException)
        ({"FunctionResponseTypes": ["Everything"]}, "ReportBatchItemFailures", "ValidationException"),
        ({"FilterCriteria": {"Filters": [{"Pattern": "{not json"}]}}, "filter", "InvalidParameterValueException"),
    ],
)  # fmt: skip
def test_invalid_settings_are_refused_with_awss_errors(virtual_lab, settings, words, code):
    lab = virtual_lab
    _, arn = make_queue(lab, "jobs")
    lab.deploy("worker", ECHO)
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.ClientError, match=words) as caught:
        _mapping(lab, "worker", arn, **settings)
    assert caught.value.response["Error"]["Code"] == code


def test_source_function_duplicates_and_visibility_are_checked(virtual_lab):
    lab = virtual_lab
    _, arn = make_queue(lab, "jobs", VisibilityTimeout="30")
    lab.deploy("worker", ECHO)
    lab.deploy("slow", ECHO, Timeout=60)
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="NonExistentQueue"):
        _mapping(lab, "worker", "arn:aws:sqs:us-east-1:123456789012:missing")
    with pytest.raises(  # AWS answers 400 here, not 404 (recorded)
        client.exceptions.InvalidParameterValueException, match="Function does not exist"
    ):
        _mapping(lab, "nobody", arn)
    with pytest.raises(
        client.exceptions.InvalidParameterValueException,
        match="Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds",
    ):
        _mapping(lab, "slow", arn)
    first = _mapping(lab, "worker", arn)
    with pytest.raises(client.exceptions.ResourceConflictException, match=first["UUID"]):
        _mapping(lab, "worker", arn)


def test_batch_size_and_batching_window(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "jobs")
    lab.deploy("worker", ECHO)
    created = _mapping(lab, "worker", arn, BatchSize=20, MaximumBatchingWindowInSeconds=5)
    _send(lab, url, *[f"m{i}" for i in range(3)])
    lab.clock.advance(seconds=4)
    assert lab.records.for_function("worker") == []  # waiting for a fuller batch
    _send(lab, url, *[f"n{i}" for i in range(2)])
    lab.clock.advance(seconds=1)
    (batch,) = events_received(lab, "worker")
    assert len(batch["Records"]) == 5  # the window closed with five messages
    _send(lab, url, *[f"p{i}" for i in range(25)])
    lab.clock.advance(seconds=1)
    sizes = [run.size for run in lab.event_sources.mappings.poller(created["UUID"]).history]
    assert sizes[:2] == [5, 20]  # a full batch does not wait for the window
    lab.clock.advance(seconds=5)
    assert sum(len(e["Records"]) for e in events_received(lab, "worker")) == 30
    assert all(r.invocation_type == "poll" for r in lab.records.for_function("worker"))


def test_report_batch_item_failures_redelivers_only_the_bad_message(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "jobs", VisibilityTimeout="30")
    lab.deploy("worker", REPORTS_BAD)
    created = _mapping(lab, "worker", arn, FunctionResponseTypes=["ReportBatchItemFailures"])
    ids = _send(lab, url, "good 1", "bad 2", "good 3")
    lab.clock.advance(seconds=1)
    poller = lab.event_sources.mappings.poller(created["UUID"])
    first = poller.history[0]
    assert first.ids == tuple(ids) and first.outcome == "partial" and first.failed == 1
    lab.clock.advance(seconds=28)
    assert len(poller.history) == 1  # hidden for the visibility timeout
    lab.clock.advance(seconds=2)
    second = poller.history[1]
    assert second.ids == (ids[1],)  # only the bad message came back
    attributes = lab.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_without_report_batch_item_failures_the_whole_batch_returns(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "jobs", VisibilityTimeout="30")
    lab.deploy("worker", FAILS)
    created = _mapping(lab, "worker", arn)
    ids = _send(lab, url, "a", "b")
    lab.clock.advance(seconds=31)
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert [(run.ids, run.outcome) for run in history] == [(tuple(ids), "error")] * 2


def test_redrive_policy_moves_a_failing_message_to_the_queues_dlq(virtual_lab):
    lab = virtual_lab
    dlq_url, dlq_arn = make_queue(lab, "jobs-dlq")
    url, arn = make_queue(
        lab,
        "jobs",
        VisibilityTimeout="30",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
    )
    lab.deploy("worker", FAILS)
    _mapping(lab, "worker", arn)
    _send(lab, url, "poison")
    lab.clock.advance(minutes=5)
    assert len(lab.records.for_function("worker")) == 3  # maxReceiveCount attempts
    (dead,) = receive_all(lab, dlq_url)
    assert dead["Body"] == "poison"


def test_filter_criteria_delete_messages_that_match_no_filter(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "orders")
    lab.deploy("worker", ECHO)
    pattern = json.dumps({"body": {"kind": ["refund"]}})
    _mapping(lab, "worker", arn, FilterCriteria={"Filters": [{"Pattern": pattern}]})
    _send(
        lab,
        url,
        json.dumps({"kind": "refund", "id": 1}),
        json.dumps({"kind": "sale", "id": 2}),
        "plain text",
    )
    lab.clock.advance(seconds=1)
    (batch,) = events_received(lab, "worker")
    assert [json.loads(r["body"])["id"] for r in batch["Records"]] == [1]
    attributes = lab.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_disabled_mapping_leaves_messages_in_the_queue(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "jobs")
    lab.deploy("worker", ECHO)
    created = _mapping(lab, "worker", arn, Enabled=False)
    _send(lab, url, "waiting")
    lab.clock.advance(seconds=5)
    assert lab.records.for_function("worker") == []
    lab.client("lambda").update_event_source_mapping(UUID=created["UUID"], Enabled=True)
    lab.clock.advance(seconds=1)
    assert len(lab.records.for_function("worker")) == 1
