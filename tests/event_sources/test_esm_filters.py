"""ESM FilterCriteria: each source's data key, JSON vs plain data, validation (facts section 7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambda_lab import limits
from lambda_lab.event_sources.mappings.filters import esm_filter_matches, validate_filter_criteria
from lambda_lab.event_sources.matching.patterns import PatternError
from lambda_lab.event_sources.shapes import events as shapes
from lambda_lab.event_sources.shapes import streams as stream_shapes

QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"
STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
TABLE_STREAM = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01T00:00:00.000"


def filters(*patterns: object) -> list[dict[str, str]]:
    return [{"Pattern": p if isinstance(p, str) else json.dumps(p)} for p in patterns]


def sqs(body: str, **extra: Any) -> dict:
    return shapes.sqs_record(body, queue_arn=QUEUE, sent_at=1.7e9, **extra)


def kinesis(data: bytes) -> dict:
    return stream_shapes.kinesis_record(
        data, stream_arn=STREAM, partition_key="p-7", sequence_number="1", arrival=0.0
    )


def test_no_filters_send_everything() -> None:
    assert esm_filter_matches("sqs", sqs("anything"), [])


def test_sqs_json_body_is_filtered_as_an_object() -> None:
    record = sqs('{"RequestCode": "AAAA", "amount": 300, "customer": {"tier": "gold"}}')
    assert esm_filter_matches("sqs", record, filters({"body": {"RequestCode": ["AAAA"]}}))
    assert esm_filter_matches(
        "sqs", record, filters({"body": {"customer": {"tier": [{"prefix": "go"}]}}})
    )
    assert not esm_filter_matches("sqs", record, filters({"body": {"RequestCode": ["BBBB"]}}))


def test_sqs_any_filter_may_match() -> None:
    record = sqs('{"RequestCode": "AAAA"}')
    assert esm_filter_matches(
        "sqs",
        record,
        filters({"body": {"RequestCode": ["BBBB"]}}, {"body": {"RequestCode": ["AAAA"]}}),
    )


def test_sqs_plain_body_is_filtered_as_a_string() -> None:
    record = sqs("Hello, world")
    assert esm_filter_matches("sqs", record, filters({"body": ["Hello, world"]}))
    assert esm_filter_matches("sqs", record, filters({"body": [{"prefix": "Hello"}]}))
    assert not esm_filter_matches(
        "sqs", record, filters({"body": ["hello, world"]})
    )  # no case folding


def test_sqs_mismatched_formats_are_dropped() -> None:
    # a plain-string body under a JSON pattern, even one only asking for absence
    assert not esm_filter_matches(
        "sqs", sqs("plain"), filters({"body": {"a": [{"exists": False}]}})
    )
    # a JSON body under a plain-string pattern, even "anything but"
    assert not esm_filter_matches(
        "sqs", sqs('{"a": 1}'), filters({"body": [{"anything-but": "x"}]})
    )


def test_sqs_metadata_fields_are_filtered_without_looking_at_the_body() -> None:
    record = sqs(
        "plain text", message_attributes={"kind": {"DataType": "String", "StringValue": "refund"}}
    )
    assert esm_filter_matches(
        "sqs", record, filters({"attributes": {"ApproximateReceiveCount": ["1"]}})
    )
    assert esm_filter_matches(
        "sqs", record, filters({"messageAttributes": {"kind": {"stringValue": ["refund"]}}})
    )
    assert not esm_filter_matches(
        "sqs", record, filters({"messageAttributes": {"kind": {"stringValue": ["sale"]}}})
    )


def test_esm_numbers_compare_by_their_written_form() -> None:
    assert esm_filter_matches("sqs", sqs('{"amount": 300}'), filters({"body": {"amount": [300]}}))
    assert not esm_filter_matches(
        "sqs", sqs('{"amount": 300.0}'), filters({"body": {"amount": [300]}})
    )
    assert not esm_filter_matches(
        "sqs", sqs('{"amount": 3.0e2}'), filters({"body": {"amount": [300]}})
    )
    # numeric ranges still compare values
    assert esm_filter_matches(
        "sqs", sqs('{"amount": 3.0e2}'), filters({"body": {"amount": [{"numeric": [">", 299]}]}})
    )


def test_kinesis_data_is_base64_decoded_json() -> None:
    record = kinesis(
        b'{"record": 12345, "order": {"type": "buy", "stock": "ANYCO", "quantity": 1000}}'
    )
    assert esm_filter_matches("kinesis", record, filters({"data": {"order": {"type": ["buy"]}}}))
    assert not esm_filter_matches(
        "kinesis", record, filters({"data": {"order": {"type": ["sell"]}}})
    )
    assert esm_filter_matches(
        "kinesis",
        record,
        filters({"partitionKey": ["p-7"], "data": {"record": [{"numeric": [">", 1]}]}}),
    )


def test_kinesis_data_that_is_not_json_is_dropped() -> None:
    for data in (b"Hello, this is a test.", b"[1, 2]", b"\xff\xfe"):
        assert not esm_filter_matches("kinesis", kinesis(data), filters({"partitionKey": ["p-7"]}))


def test_dynamodb_records_are_filtered_on_the_delivered_shape() -> None:
    insert = stream_shapes.dynamodb_record(
        "INSERT",
        stream_arn=TABLE_STREAM,
        keys={"Id": {"N": "101"}},
        new_image={"Id": {"N": "101"}, "Status": {"S": "NEW"}},
        sequence_number="1",
    )
    remove = stream_shapes.dynamodb_record(
        "REMOVE",
        stream_arn=TABLE_STREAM,
        keys={"Id": {"N": "101"}},
        old_image={"Id": {"N": "101"}},
        sequence_number="2",
    )
    only_new = filters(
        {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"Status": {"S": ["NEW"]}}}}
    )
    assert esm_filter_matches("dynamodb", insert, only_new)
    assert not esm_filter_matches("dynamodb", remove, only_new)
    assert esm_filter_matches(
        "dynamodb", remove, filters({"dynamodb": {"NewImage": [{"exists": False}]}})
    )


def test_validation_returns_compiled_patterns() -> None:
    compiled = validate_filter_criteria("sqs", {"Filters": filters({"body": {"a": ["x"]}})})
    assert len(compiled) == 1 and compiled[0].dialect == "esm"
    assert validate_filter_criteria("kinesis", {}) == []


@pytest.mark.parametrize(
    ("source", "criteria", "code", "words"),
    [
        (
            "sqs",
            {"Filters": filters(*[{"a": [str(i)]} for i in range(limits.FILTERS_PER_SOURCE + 1)])},
            "InvalidParameterValueException",
            "at most 5",
        ),
        (
            "sqs",
            {"Filters": [{"Pattern": json.dumps({"a": ["x" * limits.FILTER_PATTERN_MAX_CHARS]})}]},
            "ValidationException",
            "less than or equal to 4096",
        ),
        (
            "sqs",
            {"Filters": [{"NotPattern": "{}"}]},
            "InvalidParameterValueException",
            "needs a Pattern",
        ),
        ("sqs", {"Filters": "x"}, "InvalidParameterValueException", "must be a list"),
        ("sqs", [], "InvalidParameterValueException", "must be an object"),
        (
            "sqs",
            {"Filters": filters('{"body": ')},
            "InvalidParameterValueException",
            "not valid JSON",
        ),
        (
            "kinesis",
            {"Filters": filters({"data": ["plain"]})},
            "InvalidParameterValueException",
            "must be an object",
        ),
        (
            "dynamodb",
            {"Filters": filters({"dynamodb": [{"exists": True}]})},
            "InvalidParameterValueException",
            "must be an object",
        ),
        (
            "sqs",
            {"Filters": filters({"body": [{"anything-but": {"prefix": "x"}}]})},
            "InvalidParameterValueException",
            "not supported in event source mapping filters",
        ),
    ],
)
def test_invalid_filter_criteria(source: str, criteria: object, code: str, words: str) -> None:
    with pytest.raises(PatternError) as caught:
        validate_filter_criteria(source, criteria)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert words in caught.value.message


def test_unknown_source_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="'mq'"):
        esm_filter_matches("mq", {}, [])
