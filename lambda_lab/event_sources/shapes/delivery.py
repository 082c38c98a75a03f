"""What Lambda sends onward about an invocation's outcome, in AWS's documented shapes.

* :func:`destination_record`: the async invocation record for OnSuccess / OnFailure
  destinations (SQS/SNS get it as the message, Lambda as the payload);
  :func:`destination_event` wraps it for an EventBridge bus destination.
* :func:`stream_failure_record`: a Kinesis / DynamoDB stream mapping's on-failure record,
  which describes the batch but does not carry its records.
* :func:`dlq_message_attributes`: the three message attributes of a dead-letter message.

See shared/reference/aws-lambda-facts.md sections 5 and 7. Pure functions: times are epoch
seconds, missing ids are derived from the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_lab import aws_time, limits
from lambda_lab.event_sources.shapes.events import arn_part, eventbridge_event

# "EventAgeExceeded" is what emulators send for expired events; AWS's text does not show it
# (facts section 5, UNCONFIRMED), so the Lab uses it only for that case.
DESTINATION_CONDITIONS = ("Success", "RetriesExhausted", "EventAgeExceeded")
FUNCTION_ERRORS = ("Handled", "Unhandled")
STREAM_BATCH_INFO_KEYS = {"kinesis": "KinesisBatchInfo", "dynamodb": "DDBStreamBatchInfo"}
_NO_RESPONSE = object()


def destination_record(
    *,
    request_id: str,
    function_arn: str,
    condition: str,
    approximate_invoke_count: int,
    request_payload: Any,
    at: float,
    response_payload: Any = _NO_RESPONSE,
    status_code: int = 200,
    executed_version: str = "$LATEST",
    function_error: str | None = None,
) -> dict[str, Any]:
    """The record an async invocation sends to its destination.

    ``function_arn`` carries the qualifier (``...:function:name:$LATEST``).
    ``function_error`` is "Handled" or "Unhandled" on failures of the function itself; an
    event that never ran (expired, throttled) has no ``response_payload`` to report.
    """
    if condition not in DESTINATION_CONDITIONS:
        raise ValueError(f"condition must be one of {DESTINATION_CONDITIONS} (got {condition!r})")
    if function_error is not None and function_error not in FUNCTION_ERRORS:
        raise ValueError(
            f"function_error must be one of {FUNCTION_ERRORS} (got {function_error!r})"
        )
    if approximate_invoke_count < 0:
        raise ValueError(f"approximate_invoke_count must be >= 0 (got {approximate_invoke_count})")
    arn_part(function_arn, "lambda", 3)  # refuses anything but a Lambda function ARN
    response_context = _response_context(status_code, executed_version, function_error)
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": aws_time.iso_millis(at),
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "requestPayload": request_payload,
        "responseContext": response_context,
    }
    if response_payload is not _NO_RESPONSE:
        record["responsePayload"] = response_payload
    return record


def _response_context(status: int, version: str, function_error: str | None) -> dict[str, Any]:
    context: dict[str, Any] = {"statusCode": status, "executedVersion": version}
    if function_error is not None:
        context["functionError"] = function_error
    return context


def destination_event(
    record: Mapping[str, Any], *, function_arn: str, destination_arn: str, at: float
) -> dict[str, Any]:
    """A destination record as put on an EventBridge bus: it becomes the ``detail``."""
    success = record["requestContext"]["condition"] == "Success"
    return eventbridge_event(
        source="lambda",
        detail_type=f"Lambda Function Invocation Result - {'Success' if success else 'Failure'}",
        detail=record,
        at=at,
        resources=[function_arn, destination_arn],
        region=arn_part(function_arn, "lambda", 3),
        account=arn_part(function_arn, "lambda", 4),
    )


def stream_failure_record(
    source: str,
    *,
    request_id: str,
    function_arn: str,
    approximate_invoke_count: int,
    shard_id: str,
    start_sequence_number: str,
    end_sequence_number: str,
    first_arrival: float,
    last_arrival: float,
    batch_size: int,
    stream_arn: str,
    at: float,
    condition: str = "RetryAttemptsExhausted",
    function_error: str | None = "Unhandled",
    status_code: int = 200,
    executed_version: str = "$LATEST",
) -> dict[str, Any]:
    """A stream mapping's on-failure record for the batch it gave up on."""
    if source not in STREAM_BATCH_INFO_KEYS:
        raise ValueError(f"source must be one of {sorted(STREAM_BATCH_INFO_KEYS)} (got {source!r})")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1 (got {batch_size})")
    return {
        "requestContext": {
            "requestId": request_id,
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": approximate_invoke_count,
        },
        "responseContext": _response_context(status_code, executed_version, function_error),
        "version": "1.0",
        "timestamp": aws_time.iso_millis(at),
        STREAM_BATCH_INFO_KEYS[source]: {
            "shardId": shard_id,
            "startSequenceNumber": start_sequence_number,
            "endSequenceNumber": end_sequence_number,
            "approximateArrivalOfFirstRecord": aws_time.iso_millis(first_arrival),
            "approximateArrivalOfLastRecord": aws_time.iso_millis(last_arrival),
            "batchSize": batch_size,
            "streamArn": stream_arn,
        },
    }


def dlq_message_attributes(
    *, request_id: str, error_code: int, error_message: str
) -> dict[str, Any]:
    """MessageAttributes for SQS SendMessage / SNS Publish of a dead-lettered event.

    ``ErrorCode`` is a Number (the HTTP status code); ``ErrorMessage`` keeps the first 1 KB,
    cut on a character boundary.
    """
    return {
        "RequestID": {"DataType": "String", "StringValue": request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": str(int(error_code))},
        "ErrorMessage": {
            "DataType": "String",
            "StringValue": truncate_utf8(error_message, limits.DLQ_ERROR_MESSAGE_MAX_BYTES),
        },
    }


def truncate_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 form fits in ``max_bytes``."""
    # Encoding cannot fail ("replace"); decoding drops only the character cut in half.
    return text.encode("utf-8", "replace")[:max_bytes].decode("utf-8", "ignore")
