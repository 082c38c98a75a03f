"""Tumbling windows on Kinesis and DynamoDB stream mappings: a state carried between the
invocations of one window and shard, a final invocation at the window's end, AWS's errors.

The windows run on the Lab's virtual clock: each test first moves the clock to the start of a
window, so the bounds it expects are exact.
"""

from __future__ import annotations

import json
import math

import pytest
from runtime_helpers import ECHO, events_received, make_queue

from lambda_lab import limits

# Counts the records of its window in state["count"]; logs what it got besides the records.
COUNTER = """
import base64
import json

def lambda_handler(event, context):
    seen = dict(event)
    records = seen.pop("Records")
    seen["data"] = [base64.b64decode(r["kinesis"]["data"]).decode() if "kinesis" in r
                    else r["dynamodb"]["Keys"]["id"]["S"] for r in records]
    print("WINDOW " + json.dumps(seen))
    state = event["state"]
    state["count"] = state.get("count", 0) + len(records)
    return {"state": state}
"""

# Fails the first time it sees a record "flaky" or the first final invocation it gets.
FLAKY = """
import base64
import json

failed = set()

def lambda_handler(event, context):
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    print("WINDOW " + json.dumps({"state": event["state"], "data": data,
                                  "final": event["isFinalInvokeForWindow"]}))
    for word in data + (["final"] if event["isFinalInvokeForWindow"] else []):
        if word in ("flaky", "final") and word not in failed:
            failed.add(word)
            raise RuntimeError("the first try of " + word + " fails")
    state = event["state"]
    state["count"] = state.get("count", 0) + len(data)
    return {"state": state}
"""

# Keeps every record's 300 KB payload in the state, so the fourth record takes it over 1 MB.
HOARDER = """
import base64
import json

def lambda_handler(event, context):
    data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
    print("WINDOW " + json.dumps({"keys": sorted(event["state"]), "data": data,
                                  "final": event["isFinalInvokeForWindow"],
                                  "early": event["isWindowTerminatedEarly"]}))
    state = event["state"]
    for word in data:
        state[word] = "x" * 300_000
    return {"state": state}
"""


def _stream(lab, shards=1):
    kinesis = lab.client("kinesis")
    kinesis.create_stream(StreamName="readings", ShardCount=shards)
    return kinesis.describe_stream(StreamName="readings")["StreamDescription"]["StreamARN"]


def _put(lab, *data, hash_key=None):
    kinesis = lab.client("kinesis")
    extra = {"ExplicitHashKey": hash_key} if hash_key else {}
    for item in data:
        kinesis.put_record(StreamName="readings", Data=item.encode(), PartitionKey="p", **extra)


def _map(lab, arn, function="counter", **settings):
    settings.setdefault("StartingPosition", "TRIM_HORIZON")
    return lab.client("lambda").create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, **settings
    )


def _next_window(lab, length):
    """Move the clock to the start of the next window of ``length`` seconds; returns it."""
    start = math.ceil(lab.clock.time() / length) * length
    lab.clock.run_until(start)
    return start


def _iso(epoch):
    from lambda_lab.aws_time import iso_seconds

    return iso_seconds(epoch)


def _invocations(lab, function="counter"):
    return [
        json.loads(e.message.split("WINDOW ", 1)[1])
        for e in lab.logs.events(function, pattern="WINDOW ")
    ]


def test_a_running_count_is_carried_across_the_batches_of_one_window(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("counter", COUNTER)
    start = _next_window(lab, 60)
    created = _map(lab, arn, BatchSize=2, TumblingWindowInSeconds=60)
    assert created["TumblingWindowInSeconds"] == 60
    _put(lab, "a", "b", "c")
    lab.clock.advance(seconds=20)
    _put(lab, "d", "e")
    lab.clock.advance(seconds=39)  # one second before the window ends: no final invocation yet
    seen = _invocations(lab)
    assert [(i["data"], i["state"]) for i in seen] == [
        (["a", "b"], {}),
        (["c"], {"count": 2}),
        (["d", "e"], {"count": 3}),
    ]
    window = {"start": _iso(start), "end": _iso(start + 60)}
    assert all(i["window"] == window and not i["isFinalInvokeForWindow"] for i in seen)
    assert {i["shardId"] for i in seen} == {"shardId-000000000000"}
    assert {i["eventSourceARN"] for i in seen} == {arn}
    assert not any(i["isWindowTerminatedEarly"] for i in seen)
    lab.clock.advance(seconds=1)  # the window's end
    final = _invocations(lab)[-1]
    assert final["isFinalInvokeForWindow"] is True and final["isWindowTerminatedEarly"] is False
    assert (final["data"], final["state"], final["window"]) == ([], {"count": 5}, window)
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert (history[-1].size, history[-1].at) == (0, start + 60)


def test_the_next_window_starts_with_a_fresh_state(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("counter", COUNTER)
    start = _next_window(lab, 30)
    _map(lab, arn, TumblingWindowInSeconds=30)
    _put(lab, "first", "second")
    lab.clock.advance(seconds=35)  # past the first window's end, into the second
    _put(lab, "third")
    lab.clock.advance(seconds=30)
    seen = _invocations(lab)
    assert [(i["data"], i["state"], i["isFinalInvokeForWindow"]) for i in seen] == [
        (["first", "second"], {}, False),
        ([], {"count": 2}, True),
        (["third"], {}, False),
        ([], {"count": 1}, True),
    ]
    assert seen[2]["window"] == {"start": _iso(start + 30), "end": _iso(start + 60)}


def test_records_of_two_windows_never_share_a_batch(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("flaky", FLAKY)
    start = _next_window(lab, 10)
    _map(lab, arn, function="flaky", BatchSize=100, TumblingWindowInSeconds=10)
    lab.clock.advance(seconds=9.5)
    _put(lab, "flaky")  # fails at 9.5 s; its retry comes 1 s later, in the next window ...
    lab.clock.advance(seconds=0.7)
    _put(lab, "next")  # ... when this record of the next window waits behind it
    lab.clock.advance(seconds=10)
    seen = [(i["data"], i["state"], i["final"]) for i in _invocations(lab, "flaky")]
    assert seen == [
        (["flaky"], {}, False),  # raised
        (["flaky"], {}, False),  # retried alone: "next" belongs to another window
        ([], {"count": 1}, True),  # (FLAKY fails its first final invocation too)
        ([], {"count": 1}, True),
        (["next"], {}, False),
        ([], {"count": 1}, True),
    ]
    assert lab.clock.time() > start + 20


def test_each_shard_keeps_a_window_state_of_its_own(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab, shards=2)
    lab.deploy("counter", COUNTER)
    _next_window(lab, 60)
    _map(lab, arn, BatchSize=1, TumblingWindowInSeconds=60)
    _put(lab, "a1", "a2", "a3", hash_key="0")
    _put(lab, "b1", "b2", hash_key=str(2**127 + 1))
    lab.clock.advance(seconds=60)
    finals = {i["shardId"]: i["state"] for i in _invocations(lab) if i["isFinalInvokeForWindow"]}
    assert finals == {"shardId-000000000000": {"count": 3}, "shardId-000000000001": {"count": 2}}
    second = [i["state"] for i in _invocations(lab) if i["data"] == ["b2"]]
    assert second == [{"count": 1}]  # b2 saw only b1 in its shard's state


def test_dynamodb_stream_windows_count_the_changes(virtual_lab):
    lab = virtual_lab
    dynamodb = lab.client("dynamodb")
    table = dynamodb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]  # fmt: skip
    lab.deploy("counter", COUNTER)
    start = _next_window(lab, 120)
    created = _map(
        lab, table["LatestStreamArn"], StartingPosition="LATEST", TumblingWindowInSeconds=120
    )
    assert created["TumblingWindowInSeconds"] == 120
    for order in ("o-1", "o-2", "o-3"):
        dynamodb.put_item(TableName="orders", Item={"id": {"S": order}})
    lab.clock.advance(seconds=120)
    seen = _invocations(lab)
    assert [(i["data"], i["state"], i["isFinalInvokeForWindow"]) for i in seen] == [
        (["o-1", "o-2", "o-3"], {}, False),
        ([], {"count": 3}, True),
    ]
    assert seen[-1]["window"] == {"start": _iso(start), "end": _iso(start + 120)}
    assert seen[-1]["eventSourceARN"] == table["LatestStreamArn"]
    assert seen[-1]["shardId"].startswith("shardId-")


def test_window_settings_are_validated_with_awss_errors(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    _, queue_arn = make_queue(lab, "jobs")
    lab.deploy("counter", ECHO)
    client = lab.client("lambda")
    with pytest.raises(client.exceptions.ClientError) as caught:
        _map(lab, arn, TumblingWindowInSeconds=limits.TUMBLING_WINDOW_MAX_S + 1)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '901' at 'tumblingWindowInSeconds' failed to satisfy "
        "constraint: Member must have value less than or equal to 900"
    )
    with pytest.raises(client.exceptions.InvalidParameterValueException) as caught:
        client.create_event_source_mapping(
            FunctionName="counter", EventSourceArn=queue_arn, TumblingWindowInSeconds=60
        )
    assert caught.value.response["Error"]["Message"] == (
        "Unsupported 'tumblingWindowInSeconds' parameter for given event source mapping type."
    )
    created = _map(lab, arn)
    assert created["TumblingWindowInSeconds"] == 0  # 0: no window, plain batches
    client.update_event_source_mapping(UUID=created["UUID"], TumblingWindowInSeconds=900)
    got = client.get_event_source_mapping(UUID=created["UUID"])
    assert got["TumblingWindowInSeconds"] == 900


def test_without_a_window_the_event_holds_only_records(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("echo", ECHO)
    _map(lab, arn, function="echo", TumblingWindowInSeconds=0)
    _put(lab, "plain")
    lab.clock.advance(seconds=5)
    (event,) = events_received(lab, "echo")
    assert list(event) == ["Records"]


def test_an_answer_without_state_fails_the_batch(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("stateless", "def lambda_handler(event, context):\n    return {'done': True}\n")
    _next_window(lab, 60)
    created = _map(
        lab, arn, function="stateless", TumblingWindowInSeconds=60, MaximumRetryAttempts=1
    )
    _put(lab, "x")
    lab.clock.advance(seconds=10)
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert [run.outcome for run in history] == ["error", "error", "discarded"]
    assert "no state property" in history[0].detail


def test_a_failed_batch_is_retried_with_the_state_it_had(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("flaky", FLAKY)
    _next_window(lab, 60)
    _map(lab, arn, function="flaky", BatchSize=1, TumblingWindowInSeconds=60)
    _put(lab, "a", "flaky", "b")
    lab.clock.advance(seconds=30)
    seen = _invocations(lab, "flaky")
    assert [(i["data"], i["state"]) for i in seen] == [
        (["a"], {}),
        (["flaky"], {"count": 1}),  # raised
        (["flaky"], {"count": 1}),  # the retry: the same state again
        (["b"], {"count": 2}),
    ]
    lab.clock.advance(seconds=30)
    assert _invocations(lab, "flaky")[-1] == {"state": {"count": 3}, "data": [], "final": True}


def test_a_failing_final_invocation_holds_the_shard_until_it_succeeds(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("flaky", FLAKY)
    _next_window(lab, 10)
    created = _map(lab, arn, function="flaky", TumblingWindowInSeconds=10)
    _put(lab, "a", "b")
    lab.clock.advance(seconds=10)  # the final invocation fails here ...
    _put(lab, "c")  # ... and the next window's record waits behind it
    lab.clock.advance(seconds=0.5)
    assert [i["data"] for i in _invocations(lab, "flaky")] == [["a", "b"], []]
    lab.clock.advance(seconds=1)  # the retry (1 s later) succeeds, then the shard moves on
    seen = _invocations(lab, "flaky")
    assert [(i["data"], i["state"], i["final"]) for i in seen] == [
        (["a", "b"], {}, False),
        ([], {"count": 2}, True),
        ([], {"count": 2}, True),
        (["c"], {}, False),
    ]
    history = lab.event_sources.mappings.poller(created["UUID"]).history
    assert [(run.size, run.outcome) for run in history] == [
        (2, "success"), (0, "error"), (0, "success"), (1, "success"),
    ]  # fmt: skip


def test_a_state_over_1_mb_ends_the_window_early(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    lab.deploy("hoarder", HOARDER, MemorySize=512)
    start = _next_window(lab, 60)
    created = _map(lab, arn, function="hoarder", BatchSize=1, TumblingWindowInSeconds=60)
    poller = lab.event_sources.mappings.poller(created["UUID"])
    _put(lab, "r1", "r2", "r3", "r4", "r5")
    lab.clock.advance(seconds=60)
    seen = [(i["keys"], i["data"], i["final"], i["early"]) for i in _invocations(lab, "hoarder")]
    assert seen == [
        ([], ["r1"], False, False),
        (["r1"], ["r2"], False, False),
        (["r1", "r2"], ["r3"], False, False),
        (["r1", "r2", "r3"], ["r4"], False, False),  # answers with 1.2 MB of state
        (["r1", "r2", "r3"], [], True, True),  # the last state within 1 MB, handed over early
        ([], ["r4"], False, False),  # the same window goes on with a fresh state
        (["r4"], ["r5"], False, False),
        (["r4", "r5"], [], True, False),  # the window's real end
    ]
    early = [run for run in poller.history if "ends early" in run.detail]
    assert [run.ids for run in early] == [poller.history[3].ids]  # r4's batch, sent again after
    assert lab.clock.time() == start + 60


def test_state_and_batch_item_failures_come_back_together(virtual_lab):
    lab = virtual_lab
    arn = _stream(lab)
    reporter = """
import base64

def lambda_handler(event, context):
    state = event["state"]
    if event["isFinalInvokeForWindow"]:
        print("FINAL", state)
    for record in event["Records"]:
        if base64.b64decode(record["kinesis"]["data"]) == b"bad" and not state.get("retried"):
            state["retried"] = True
            return {"state": state, "batchItemFailures": [{"itemIdentifier": record["kinesis"]["sequenceNumber"]}]}
        state["count"] = state.get("count", 0) + 1
    return {"state": state}
"""
    lab.deploy("reporter", reporter)
    _next_window(lab, 60)
    created = _map(lab, arn, function="reporter", TumblingWindowInSeconds=60,
                   FunctionResponseTypes=["ReportBatchItemFailures"])  # fmt: skip
    _put(lab, "ok1", "ok2", "bad", "ok3")
    lab.clock.advance(seconds=60)
    poller = lab.event_sources.mappings.poller(created["UUID"])
    assert [(run.size, run.outcome) for run in poller.history] == [
        (4, "partial"), (2, "success"), (0, "success"),
    ]  # fmt: skip
    (final,) = lab.logs.events("reporter", pattern="FINAL")
    assert final.message.strip() == "FINAL {'count': 4, 'retried': True}"
