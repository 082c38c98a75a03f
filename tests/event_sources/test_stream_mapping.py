"""Kinesis and DynamoDB stream mappings: order, blocked shards, retries, bisect, on-failure, IteratorAge."""

from __future__ import annotations

import base64
import json

import pytest
from runtime_helpers import (
    ECHO,
    events_received,
    make_queue,
    receive_all,
    sample,
    shape_differences,
)

from lambda_lab.monitoring import metrics

POISON = """
import base64
import json

def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    for record in event["Records"]:
        if base64.b64decode(record["kinesis"]["data"]) == b"poison":
            raise ValueError("cannot read this record")
    return len(event["Records"])
"""

PARTIAL = """
import base64

def lambda_handler(event, context):
    bad = [r["kinesis"]["sequenceNumber"] for r in event["Records"]
           if base64.b64decode(r["kinesis"]["data"]).startswith(b"bad")]
    return {"batchItemFailures": [{"itemIdentifier": s} for s in bad[:1]]}
"""


def _stream(lab, name="clicks", shards=1):
    kinesis = lab.client("kinesis")
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    return kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]


def _put(lab, *data, stream="clicks", key="user-1"):
    kinesis = lab.client("kinesis")
    return [
        kinesis.put_record(StreamName=stream, Data=d.encode(), PartitionKey=key)["SequenceNumber"]
        for d in data
    ]


def _map(lab, function, arn, **settings):
    settings.setdefault("StartingPosition", "TRIM_HORIZON")
    return lab.client("lambda").create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, **settings
    )


def _data(lab, function):
    return [
        [base64.b64decode(r["kinesis"]["data"]).decode() for r in e["Records"]]
        for e in events_received(lab, function)
    ]


def test_records_arrive_in_order_in_batches(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("reader", ECHO)
    created = _map(lab, "reader", arn, BatchSize=3)
    assert created["StartingPosition"] == "TRIM_HORIZON" and created["MaximumRetryAttempts"] == -1
    assert created["ParallelizationFactor"] == 1 and created["DestinationConfig"] == {
        "OnFailure": {}
    }
    _put(lab, *[str(i) for i in range(7)])
    lab.clock.advance(seconds=1)
    assert _data(lab, "reader") == [["0", "1", "2"], ["3", "4", "5"], ["6"]]


def test_latest_skips_what_was_written_before_the_mapping(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    _put(lab, "old")
    lab.deploy("reader", ECHO)
    _map(lab, "reader", arn, StartingPosition="LATEST")
    _put(lab, "new")
    lab.clock.advance(seconds=1)
    assert _data(lab, "reader") == [["new"]]


def test_a_bad_record_blocks_its_shard_until_retries_run_out(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    failures_url, failures_arn = make_queue(lab, "stream-failures")
    lab.deploy("reader", POISON)
    created = _map(lab, "reader", arn, BatchSize=2, MaximumRetryAttempts=2,
                   DestinationConfig={"OnFailure": {"Destination": failures_arn}})  # fmt: skip
    sequence = _put(lab, "poison", "after")
    lab.clock.advance(seconds=2)
    poller = lab.event_sources.mappings.poller(created["UUID"])
    assert [run.outcome for run in poller.history] == [
        "error",
        "error",
    ]  # blocked: "after" waits behind it
    assert lab.metrics.latest(metrics.ITERATOR_AGE, "reader") == 1000.0  # the shard falls behind
    lab.clock.advance(seconds=10)
    assert [run.outcome for run in poller.history] == ["error", "error", "error", "discarded"]
    (message,) = receive_all(lab, failures_url)
    record = json.loads(message["Body"])
    assert shape_differences(record, sample("kinesis_failure.json")) == []
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"], info["batchSize"]) == (
        sequence[0],
        sequence[1],
        2,
    )
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    _put(lab, "later")
    lab.clock.advance(seconds=1)
    assert _data(lab, "reader")[-1] == ["later"]  # the shard moves on


def test_bisect_isolates_the_bad_record(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("reader", POISON)
    created = _map(
        lab, "reader", arn, BatchSize=4, BisectBatchOnFunctionError=True, MaximumRetryAttempts=0
    )
    _put(lab, "a", "b", "poison", "c")
    lab.clock.advance(seconds=1)
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert [(run.size, run.outcome) for run in history] == [
        (4, "error"), (2, "success"), (2, "error"), (1, "error"), (1, "discarded"), (1, "success"),
    ]  # fmt: skip
    assert "bisected" in history[0].detail
    delivered = [d for d in _data(lab, "reader")]
    assert ["a", "b"] in delivered and ["c"] in delivered


def test_report_batch_item_failures_checkpoints_before_the_failed_record(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("reader", PARTIAL)
    created = _map(lab, "reader", arn, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"],
                   MaximumRetryAttempts=1)  # fmt: skip
    sequence = _put(lab, "ok1", "bad", "ok2")
    lab.clock.advance(seconds=5)
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert history[0].ids == tuple(sequence) and history[0].outcome == "partial"
    assert history[1].ids == tuple(
        sequence[1:]
    )  # retried from the failed record, not from the start


def test_parallelization_factor_keeps_order_per_partition_key(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("reader", ECHO)
    created = _map(lab, "reader", arn, BatchSize=10, ParallelizationFactor=4)
    for i in range(6):
        for key in ("alice", "bob", "carol"):
            _put(lab, f"{key}-{i}", key=key)
    lab.clock.advance(seconds=1)
    seen: dict[str, list[str]] = {}
    for batch in _data(lab, "reader"):
        for item in batch:
            key, _, number = item.partition("-")
            seen.setdefault(key, []).append(number)
    assert seen == {k: [str(i) for i in range(6)] for k in ("alice", "bob", "carol")}
    lanes = {run.shard for run in lab.event_sources.mappings.poller(created["UUID"]).history}
    assert len(lanes) > 1  # the keys went to different lanes of the one shard


def test_maximum_record_age_discards_old_records(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("reader", POISON)
    created = _map(lab, "reader", arn, MaximumRecordAgeInSeconds=60)
    _put(lab, "poison")
    lab.clock.advance(minutes=5)
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert history[-1].outcome == "discarded" and history[-1].detail == "RecordAgeExceeded"
    assert all(
        run.at - history[0].at <= 61 + 60 for run in history
    )  # nothing ran after it was dropped


def test_stream_settings_are_validated(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("reader", ECHO)
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="StartingPosition"):
        client.create_event_source_mapping(FunctionName="reader", EventSourceArn=arn)
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="Stream not found"):
        _map(lab, "reader", "arn:aws:kinesis:us-east-1:123456789012:stream/missing")
    with pytest.raises(client.exceptions.InvalidParameterValueException, match="OnFailure"):
        _map(
            lab,
            "reader",
            arn,
            DestinationConfig={"OnFailure": {"Destination": lab.functions.get("reader").arn}},
        )


def test_dynamodb_streams_refuse_at_timestamp_and_deliver_changes(virtual_lab):
    lab = virtual_lab
    ddb = lab.client("dynamodb")
    table = ddb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]  # fmt: skip
    lab.deploy("changes", ECHO)
    client = lab.client("lambda")
    with pytest.raises(
        client.exceptions.InvalidParameterValueException, match="TRIM_HORIZON, LATEST"
    ):
        _map(
            lab,
            "changes",
            table["LatestStreamArn"],
            StartingPosition="AT_TIMESTAMP",
            StartingPositionTimestamp=0,
        )
    _map(lab, "changes", table["LatestStreamArn"], StartingPosition="LATEST")
    ddb.put_item(TableName="orders", Item={"id": {"S": "o-1"}, "total": {"N": "12"}})
    ddb.delete_item(TableName="orders", Key={"id": {"S": "o-1"}})
    lab.clock.advance(seconds=1)
    records = [r for e in events_received(lab, "changes") for r in e["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "REMOVE"]
    assert records[0]["dynamodb"]["NewImage"] == {"id": {"S": "o-1"}, "total": {"N": "12"}}
    assert "NewImage" not in records[1]["dynamodb"]  # NEW_IMAGE: a removal carries only the keys


def test_at_timestamp_starts_from_records_written_after_it(virtual_lab):
    import time

    lab = virtual_lab
    arn = _stream(lab)
    _put(lab, "before")
    time.sleep(0.05)  # Kinesis stamps arrival with the wall clock
    mark = time.time()
    time.sleep(0.05)
    _put(lab, "after")
    lab.deploy("reader", ECHO)
    created = _map(
        lab, "reader", arn, StartingPosition="AT_TIMESTAMP", StartingPositionTimestamp=mark
    )
    assert created["StartingPosition"] == "AT_TIMESTAMP"
    lab.clock.advance(seconds=1)
    assert _data(lab, "reader") == [["after"]]
