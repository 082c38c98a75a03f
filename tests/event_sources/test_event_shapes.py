"""Every builder's output against AWS's documented sample, key by key (samples/ holds them)."""

from __future__ import annotations

import base64
import json
import re
from calendar import timegm
from pathlib import Path
from typing import Any

import pytest

from lambda_lab import limits
from lambda_lab.event_sources.shapes import delivery as delivery_shapes
from lambda_lab.event_sources.shapes import events as shapes
from lambda_lab.event_sources.shapes import streams as stream_shapes

SAMPLES = Path(__file__).parent / "samples"
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ISO_S = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def epoch(text: str) -> float:
    """'2019-11-14T00:38:04.835Z' -> epoch seconds."""
    head, _, millis = text.rstrip("Z").partition(".")
    fields = [int(part) for part in re.split(r"[-T:]", head)]
    seconds = timegm((*fields, 0, 0, 0))
    return seconds + int(millis or 0) / 1000


def assert_same_shape(built: Any, documented: Any, path: str = "$") -> None:
    """Same keys at every level, same JSON types at every leaf."""
    if isinstance(documented, dict):
        assert isinstance(built, dict), f"{path}: expected an object, got {built!r}"
        missing, extra = set(documented) - set(built), set(built) - set(documented)
        assert not missing and not extra, (
            f"{path}: missing {sorted(missing)}, extra {sorted(extra)}"
        )
        for key in documented:
            assert_same_shape(built[key], documented[key], f"{path}.{key}")
    elif isinstance(documented, list):
        assert isinstance(built, list), f"{path}: expected an array, got {built!r}"
        assert len(built) == len(documented), (
            f"{path}: {len(built)} items, sample has {len(documented)}"
        )
        for index, item in enumerate(built):
            assert_same_shape(item, documented[index], f"{path}[{index}]")
    else:
        assert type(built) is type(documented), (
            f"{path}: {type(built).__name__} {built!r}, sample has {type(documented).__name__}"
        )


def test_shape_check_itself_catches_a_wrong_key_type_and_format() -> None:
    with pytest.raises(AssertionError, match="missing"):
        assert_same_shape({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(AssertionError, match="int"):
        assert_same_shape({"a": {"b": 1}}, {"a": {"b": "1"}})
    assert epoch("1970-01-01T00:00:01.500Z") == 1.5


def test_sqs_record_equals_the_documented_one_given_its_inputs() -> None:
    documented = sample("sqs_event.json")
    record = documented["Records"][0]
    built = shapes.records_event(
        shapes.sqs_record(
            "Test message.",
            queue_arn=record["eventSourceARN"],
            sent_at=1545082649.183,
            first_receive_at=1545082649.185,
            message_id=record["messageId"],
            receipt_handle=record["receiptHandle"],
            sender_id="AIDAIENQZJOLO23YVJ4VO",
        )
    )
    assert built == documented  # md5OfBody and awsRegion are computed, not copied


def test_sqs_record_defaults_are_well_formed_and_fifo_adds_three_attributes() -> None:
    built = shapes.sqs_record(
        '{"order": 1}',
        queue_arn="arn:aws:sqs:us-east-1:123456789012:orders.fifo",
        sent_at=1_700_000_000.25,
        receive_count=3,
        message_group_id="g1",
        message_attributes={
            "kind": {"DataType": "String", "StringValue": "new"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    assert_same_shape(
        {k: v for k, v in built.items() if k != "attributes"},
        {k: v for k, v in sample("sqs_event.json")["Records"][0].items() if k != "attributes"}
        | {"messageAttributes": built["messageAttributes"]},
    )
    assert UUID.fullmatch(built["messageId"]) and BASE64.fullmatch(built["receiptHandle"])
    assert built["attributes"]["ApproximateReceiveCount"] == "3"
    assert built["attributes"]["SentTimestamp"] == "1700000000250"
    assert built["attributes"]["SenderId"] == limits.ACCOUNT_ID
    assert set(built["attributes"]) >= {
        "SequenceNumber",
        "MessageGroupId",
        "MessageDeduplicationId",
    }
    assert re.fullmatch(r"\d{20}", built["attributes"]["SequenceNumber"])
    assert built["messageAttributes"] == {
        "kind": {
            "stringValue": "new",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "String",
        },
        "blob": {
            "binaryValue": "AAE=",
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": "Binary",
        },
    }
    again = shapes.sqs_record(
        '{"order": 1}',
        queue_arn="arn:aws:sqs:us-east-1:123456789012:orders.fifo",
        sent_at=1_700_000_000.25,
        receive_count=3,
        message_group_id="g1",
    )
    assert again["messageId"] == built["messageId"]  # pure: same inputs, same ids


def test_kinesis_record_equals_the_documented_one() -> None:
    documented = sample("kinesis_event.json")
    record = documented["Records"][0]
    built = stream_shapes.kinesis_record(
        b"Hello, this is a test.",
        stream_arn=record["eventSourceARN"],
        partition_key="1",
        sequence_number=record["kinesis"]["sequenceNumber"],
        arrival=1545084650.987,
        shard_id="shardId-000000000006",
    )
    assert shapes.records_event(built) == documented
    assert isinstance(built["kinesis"]["approximateArrivalTimestamp"], float)


def test_dynamodb_insert_equals_the_documented_one_including_size_bytes() -> None:
    documented = sample("dynamodb_event.json")
    record = documented["Records"][0]
    built = stream_shapes.dynamodb_record(
        "INSERT",
        stream_arn=record["eventSourceARN"],
        keys={"Id": {"N": "101"}},
        new_image={"Message": {"S": "New item!"}, "Id": {"N": "101"}},
        sequence_number="111",
        event_id="1",
        created_at=1428537600,
    )
    assert shapes.records_event(built) == documented  # SizeBytes 26 by DynamoDB's size rules


@pytest.mark.parametrize(
    ("event_name", "view", "images"),
    [
        ("INSERT", "NEW_AND_OLD_IMAGES", {"NewImage"}),
        ("MODIFY", "NEW_AND_OLD_IMAGES", {"NewImage", "OldImage"}),
        ("REMOVE", "NEW_AND_OLD_IMAGES", {"OldImage"}),
        ("MODIFY", "NEW_IMAGE", {"NewImage"}),
        ("MODIFY", "OLD_IMAGE", {"OldImage"}),
        ("MODIFY", "KEYS_ONLY", set()),
    ],
)
def test_dynamodb_images_follow_event_name_and_view_type(
    event_name: str, view: str, images: set
) -> None:
    built = stream_shapes.dynamodb_record(
        event_name,
        stream_arn="arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024-01-01T00:00:00.000",
        keys={"Id": {"S": "a"}},
        new_image={"Id": {"S": "a"}, "n": {"N": "1"}},
        old_image={"Id": {"S": "a"}},
        sequence_number="200",
        stream_view_type=view,
    )
    assert set(built["dynamodb"]) & {"NewImage", "OldImage"} == images
    assert built["dynamodb"]["StreamViewType"] == view and built["eventName"] == event_name
    assert re.fullmatch(r"[0-9a-f]{32}", built["eventID"])


def test_dynamodb_creation_time_only_when_given() -> None:
    built = stream_shapes.dynamodb_record(
        "REMOVE",
        stream_arn="arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/x",
        keys={"Id": {"S": "a"}},
        old_image={"Id": {"S": "a"}},
        sequence_number="3",
        created_at=1_700_000_000.9,
    )
    assert built["dynamodb"]["ApproximateCreationDateTime"] == 1_700_000_000.0
    assert built["dynamodb"]["SizeBytes"] == 2 * (2 + 1)


def test_dynamodb_refuses_unknown_names_and_missing_images() -> None:
    arn = "arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/x"
    with pytest.raises(ValueError, match="UPDATE"):
        stream_shapes.dynamodb_record("UPDATE", stream_arn=arn, keys={}, sequence_number="1")
    with pytest.raises(ValueError, match="new_image"):
        stream_shapes.dynamodb_record("INSERT", stream_arn=arn, keys={}, sequence_number="1")
    with pytest.raises(ValueError, match="arn:aws:dynamodb"):
        stream_shapes.dynamodb_record("INSERT", stream_arn="table/T", keys={}, sequence_number="1")


def test_item_size_follows_dynamodb_rules() -> None:
    assert stream_shapes.item_size({"Id": {"N": "101"}}) == 2 + 3
    assert stream_shapes.item_size({"a": {"N": "-0012.500"}}) == 1 + 2 + 1  # digits 125
    assert stream_shapes.item_size({"b": {"BOOL": True}, "c": {"NULL": True}}) == 2 + 2
    assert stream_shapes.item_size({"l": {"L": [{"S": "ab"}]}}) == 1 + 3 + 1 + 2
    assert stream_shapes.item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + 1 + 1 + 1
    assert (
        stream_shapes.item_size(
            {"s": {"SS": ["a", "bc"]}, "x": {"B": base64.b64encode(b"xyz").decode()}}
        )
        == 1 + 3 + 1 + 3
    )


def test_s3_record_matches_the_documented_shape_and_formats() -> None:
    documented = sample("s3_event.json")["Records"][0]
    built = shapes.s3_record(
        "mybucket",
        "HappyFace.jpg",
        at=0.0,
        event_name="s3:ObjectCreated:Put",
        size=1024,
        etag='"d41d8cd98f00b204e9800998ecf8427e"',
        version_id="096fKKXTRTtl3on89fVO.nfljtsv6qko",
        sequencer=shapes.s3_sequencer(0x55AED6DCD90281E5),
        region="us-west-2",
        configuration_id="testConfigRule",
    )
    assert_same_shape(built, documented)
    for path in (
        "eventVersion",
        "eventSource",
        "awsRegion",
        "eventTime",
        "eventName",
        "requestParameters",
    ):
        assert built[path] == documented[path], path
    assert built["s3"]["object"] == documented["s3"]["object"]
    assert built["s3"]["bucket"]["arn"] == documented["s3"]["bucket"]["arn"]
    ids = built["responseElements"]
    assert re.fullmatch(r"[0-9A-F]{16}", ids["x-amz-request-id"])
    assert BASE64.fullmatch(ids["x-amz-id-2"]) and len(ids["x-amz-id-2"]) == 64


def test_s3_keys_are_form_encoded_and_delete_events_have_no_size() -> None:
    built = shapes.s3_record(
        "b",
        "photos/red flower+1.jpg",
        at=1.0,
        event_name="ObjectRemoved:Delete",
        sequencer=shapes.s3_sequencer(7),
    )
    assert built["s3"]["object"] == {
        "key": "photos/red+flower%2B1.jpg",
        "sequencer": "000000000000000007",
    }
    assert built["eventName"] == "ObjectRemoved:Delete"
    assert shapes.s3_sequencer(255) < shapes.s3_sequencer(256)  # hex strings order like the counter


def test_sns_record_matches_the_documented_shape() -> None:
    documented = sample("sns_event.json")["Records"][0]
    built = shapes.sns_record(
        "Hello from SNS!",
        topic_arn="arn:aws:sns:us-east-2:123456789012:sns-lambda",
        at=epoch("2019-01-02T12:45:07.000Z"),
        message_id="95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        subject="TestInvoke",
        subscription_id="21be56ed-a058-49f5-8c98-aedd2564c486",
        message_attributes={
            "Test": {"DataType": "String", "StringValue": "TestString"},
            "TestBinary": {"DataType": "Binary", "BinaryValue": "TestBinary"},
        },
    )
    assert_same_shape(built, documented)
    signed = {"Signature", "SigningCertUrl", "UnsubscribeUrl"}
    assert {k: v for k, v in built["Sns"].items() if k not in signed} == {
        k: v for k, v in documented["Sns"].items() if k not in signed
    }
    assert built["EventSubscriptionArn"] == documented["EventSubscriptionArn"]
    assert re.fullmatch(
        r"https://sns\.us-east-2\.amazonaws\.com/SimpleNotificationService-[0-9a-f]{32}\.pem",
        built["Sns"]["SigningCertUrl"],
    )
    assert built["Sns"]["UnsubscribeUrl"].endswith(
        "SubscriptionArn=" + documented["EventSubscriptionArn"]
    )
    assert (
        shapes.sns_record("m", topic_arn=built["Sns"]["TopicArn"], at=0)["Sns"]["Subject"] is None
    )


def test_scheduled_event_equals_the_documented_one() -> None:
    documented = sample("scheduled_event.json")
    built = shapes.scheduled_event(
        "arn:aws:events:us-east-2:123456789012:rule/my-schedule",
        at=epoch("2019-03-01T01:23:45Z"),
        event_id="cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
    )
    assert built == documented
    assert UUID.fullmatch(shapes.scheduled_event(documented["resources"][0], at=0)["id"])


def test_generic_eventbridge_envelope_has_the_nine_fields() -> None:
    built = shapes.eventbridge_event(
        source="my.app", detail_type="Order Placed", detail={"id": 1}, at=60.5
    )
    assert set(built) == {
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    }
    assert built["time"] == "1970-01-01T00:01:00Z" and ISO_S.fullmatch(built["time"])
    assert (built["account"], built["region"]) == (limits.ACCOUNT_ID, limits.DEFAULT_REGION)


@pytest.mark.parametrize("name", ["destination_success.json", "destination_failure.json"])
def test_destination_record_equals_the_documented_one(name: str) -> None:
    documented = sample(name)
    context = documented["requestContext"]
    built = delivery_shapes.destination_record(
        request_id=context["requestId"],
        function_arn=context["functionArn"],
        condition=context["condition"],
        approximate_invoke_count=context["approximateInvokeCount"],
        request_payload=documented["requestPayload"],
        response_payload=documented["responsePayload"],
        function_error=documented["responseContext"].get("functionError"),
        at=epoch(documented["timestamp"]),
    )
    assert built == documented
    assert ISO_MS.fullmatch(built["timestamp"])


def test_destination_record_refuses_unknown_conditions_and_bad_arns() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"
    common = {
        "request_id": "r",
        "function_arn": arn,
        "approximate_invoke_count": 1,
        "request_payload": {},
        "at": 0,
    }
    with pytest.raises(ValueError, match="Failed"):
        delivery_shapes.destination_record(condition="Failed", **common)
    with pytest.raises(ValueError, match="Crashed"):
        delivery_shapes.destination_record(
            condition="RetriesExhausted", function_error="Crashed", **common
        )
    with pytest.raises(ValueError, match="arn:aws:lambda"):
        delivery_shapes.destination_record(**{**common, "function_arn": "f"}, condition="Success")
    expired = delivery_shapes.destination_record(condition="EventAgeExceeded", **common)
    assert "responsePayload" not in expired  # an event that never ran has no response


def test_destination_event_for_eventbridge() -> None:
    record = sample("destination_failure.json")
    function_arn = record["requestContext"]["functionArn"]
    bus = "arn:aws:events:us-east-2:123456789012:event-bus/default"
    event = delivery_shapes.destination_event(
        record, function_arn=function_arn, destination_arn=bus, at=0
    )
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["resources"] == [function_arn, bus] and event["detail"] == record
    assert (event["region"], event["account"]) == ("us-east-2", "123456789012")


def test_stream_failure_record_equals_the_documented_one() -> None:
    documented = sample("kinesis_failure.json")
    info = documented["KinesisBatchInfo"]
    built = delivery_shapes.stream_failure_record(
        "kinesis",
        request_id=documented["requestContext"]["requestId"],
        function_arn=documented["requestContext"]["functionArn"],
        approximate_invoke_count=1,
        shard_id=info["shardId"],
        start_sequence_number=info["startSequenceNumber"],
        end_sequence_number=info["endSequenceNumber"],
        first_arrival=epoch(info["approximateArrivalOfFirstRecord"]),
        last_arrival=epoch(info["approximateArrivalOfLastRecord"]),
        batch_size=500,
        stream_arn=info["streamArn"],
        at=epoch(documented["timestamp"]),
    )
    assert built == documented
    ddb = delivery_shapes.stream_failure_record(
        "dynamodb",
        request_id="r",
        function_arn="f",
        approximate_invoke_count=2,
        shard_id="s",
        start_sequence_number="1",
        end_sequence_number="2",
        first_arrival=0,
        last_arrival=1,
        batch_size=2,
        stream_arn="arn:aws:dynamodb:us-east-1:1:table/T/stream/x",
        at=2,
    )
    assert set(ddb) == set(documented) - {"KinesisBatchInfo"} | {"DDBStreamBatchInfo"}
    assert set(ddb["DDBStreamBatchInfo"]) == set(info)


def test_dlq_attributes_types_and_the_one_kilobyte_cut() -> None:
    attributes = delivery_shapes.dlq_message_attributes(
        request_id="req-1", error_code=200, error_message="boom"
    )
    assert attributes == {
        "RequestID": {"DataType": "String", "StringValue": "req-1"},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "boom"},
    }
    long_message = "é" * 600  # 1,200 bytes in UTF-8
    cut = delivery_shapes.dlq_message_attributes(
        request_id="r", error_code=200, error_message=long_message
    )
    kept = cut["ErrorMessage"]["StringValue"]
    assert kept == "é" * 512 and len(kept.encode()) == limits.DLQ_ERROR_MESSAGE_MAX_BYTES
    odd = delivery_shapes.truncate_utf8("a" + "é" * 600, 1024)
    assert odd == "a" + "é" * 511  # the character cut in half is dropped, not mangled
