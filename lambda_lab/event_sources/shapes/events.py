"""The events AWS services hand to a function, built field for field in AWS's documented shapes.

One builder per source: S3 notification, SQS batch record, SNS record, EventBridge envelope
and scheduled event (see shared/reference/aws-lambda-facts.md sections 7, 9.1, 9.2 and 9.4);
the stream records are in :mod:`.stream_shapes`. Each returns one record;
:func:`records_event` wraps records in ``{"Records": [...]}``.

The builders are pure: times come in as epoch seconds (the Lab's clock), and identifiers
that are not given are derived from the inputs in AWS's format (same inputs, same ids), so
tests and notebooks are repeatable. The region comes from the resource ARN when there is
one, else from ``region`` (default :data:`lambda_lab.limits.DEFAULT_REGION`).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus

from lambda_lab import aws_time, limits

_NAMESPACE = uuid.UUID("6f1c2b1e-0d4c-4f7e-9a53-1a2b3c4d5e6f")


# -- small helpers shared with stream_shapes and delivery_shapes ---------------------------
def stable_uuid(*parts: Any) -> str:
    """A UUID derived from the parts: the same inputs always give the same id."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(map(str, parts))))


def stable_hex(length: int, *parts: Any) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:length].upper()


def arn_part(arn: str, service: str, index: int) -> str:
    """Field ``index`` of an ARN of ``service`` (3 = region, 4 = account), checked."""
    fields = arn.split(":", 5) if isinstance(arn, str) else []
    if len(fields) != 6 or fields[0] != "arn" or fields[2] != service:
        raise ValueError(f"expected an arn:aws:{service}:... ARN (got {arn!r})")
    return fields[index]


def _base64_text(raw: bytes | str) -> str:
    """Binary attribute values travel base64-encoded; a str is taken as already encoded."""
    return base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw


def records_event(*records: Mapping[str, Any]) -> dict[str, Any]:
    """The envelope S3, SQS, Kinesis, DynamoDB and SNS events share."""
    return {"Records": [dict(record) for record in records]}


# -- S3 (facts 9.1) -----------------------------------------------------------------------
def s3_event_key(key: str) -> str:
    """The key as S3 writes it in events: URL-encoded form style (space -> ``+``), ``/`` kept."""
    return quote_plus(key, safe="/")


def s3_sequencer(counter: int) -> str:
    """A sequencer: upper-case hex, 18 digits, growing with ``counter`` (per key)."""
    if counter < 0:
        raise ValueError(f"the sequencer counter must be >= 0 (got {counter})")
    return f"{counter:018X}"


def s3_record(
    bucket: str,
    key: str,
    *,
    at: float,
    event_name: str = "ObjectCreated:Put",
    size: int | None = None,
    etag: str | None = None,
    version_id: str | None = None,
    sequencer: str | None = None,
    region: str = limits.DEFAULT_REGION,
    configuration_id: str = "lambda-lab-notification",
    source_ip: str = "127.0.0.1",
    principal_id: str | None = None,
) -> dict[str, Any]:
    """One S3 notification record; ``event_name`` with or without the ``s3:`` prefix.

    ``size``/``eTag`` are left out when not given (delete events have none), ``versionId`` only
    on versioned buckets, ``sequencer`` only on PUT and DELETE events, as S3 does.
    """
    name = event_name.removeprefix("s3:")
    principal = principal_id or f"AWS:AIDA{stable_hex(17, 'principal', bucket)}"
    obj: dict[str, Any] = {"key": s3_event_key(key)}
    if size is not None:
        obj["size"] = size
    if etag is not None:
        obj["eTag"] = etag.strip('"')
    if version_id is not None:
        obj["versionId"] = version_id
    if sequencer is not None:
        obj["sequencer"] = sequencer
    request_id = stable_hex(16, "s3-request", bucket, key, at, name)
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": aws_time.iso_millis(at),
        "eventName": name,
        "userIdentity": {"principalId": principal},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {
            "x-amz-request-id": request_id,
            "x-amz-id-2": base64.b64encode(hashlib.sha384(request_id.encode()).digest()).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": configuration_id,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": stable_hex(14, "owner", limits.ACCOUNT_ID)},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


# -- SQS (facts 7) --------------------------------------------------------------------------
def sqs_event_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """SendMessage/ReceiveMessage MessageAttributes -> the camelCase form Lambda delivers."""
    converted = {}
    for name, attribute in attributes.items():
        entry: dict[str, Any] = {}
        if "StringValue" in attribute:
            entry["stringValue"] = attribute["StringValue"]
        if "BinaryValue" in attribute:
            entry["binaryValue"] = _base64_text(attribute["BinaryValue"])
        entry.update(stringListValues=[], binaryListValues=[], dataType=attribute["DataType"])
        converted[name] = entry
    return converted


def sqs_record(
    body: str,
    *,
    queue_arn: str,
    sent_at: float,
    first_receive_at: float | None = None,
    receive_count: int = 1,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    sender_id: str = limits.ACCOUNT_ID,
    message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
    message_group_id: str | None = None,
    deduplication_id: str | None = None,
    sequence_number: str | None = None,
) -> dict[str, Any]:
    """One record of an SQS batch; FIFO queues add the three FIFO attributes."""
    region = arn_part(queue_arn, "sqs", 3)
    message_id = message_id or stable_uuid("sqs", queue_arn, body, sent_at)
    attributes = {
        "ApproximateReceiveCount": str(receive_count),
        "SentTimestamp": str(round(sent_at * 1000)),
        "SenderId": sender_id,
        "ApproximateFirstReceiveTimestamp": str(
            round((sent_at if first_receive_at is None else first_receive_at) * 1000)
        ),
    }
    if message_group_id is not None:
        # A FIFO SequenceNumber is a 20-digit decimal; content-based deduplication is SHA-256.
        derived_sequence = str(int(stable_hex(16, message_id), 16)).zfill(20)
        attributes["SequenceNumber"] = sequence_number or derived_sequence
        attributes["MessageGroupId"] = message_group_id
        attributes["MessageDeduplicationId"] = (
            deduplication_id or hashlib.sha256(body.encode()).hexdigest()
        )
    handle = (
        receipt_handle
        or base64.b64encode(
            hashlib.sha512(f"{message_id}:{receive_count}".encode()).digest() * 2
        ).decode()
    )
    return {
        "messageId": message_id,
        "receiptHandle": handle,
        "body": body,
        "attributes": attributes,
        "messageAttributes": sqs_event_attributes(message_attributes or {}),
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


# -- SNS (facts 9.4) ------------------------------------------------------------------------
def sns_record(
    message: str,
    *,
    topic_arn: str,
    at: float,
    message_id: str | None = None,
    subject: str | None = None,
    message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
    subscription_id: str | None = None,
) -> dict[str, Any]:
    """One SNS notification record (SNS capitalises its keys, unlike S3 and SQS)."""
    region = arn_part(topic_arn, "sns", 3)
    message_id = message_id or stable_uuid("sns", topic_arn, message, at)
    subscription_arn = f"{topic_arn}:{subscription_id or stable_uuid('subscription', topic_arn)}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    # Same size and alphabet as SNS's RSA signature; nothing here verifies it.
    signature = base64.b64encode(hashlib.sha512(message_id.encode()).digest() * 4).decode()
    certificate = f"SimpleNotificationService-{stable_hex(32, region).lower()}.pem"
    attributes = {
        name: {
            "Type": attribute["DataType"],
            "Value": attribute["StringValue"]
            if "StringValue" in attribute
            else _base64_text(attribute["BinaryValue"]),
        }
        for name, attribute in (message_attributes or {}).items()
    }
    return {
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "EventSource": "aws:sns",
        "Sns": {
            "SignatureVersion": "1",
            "Timestamp": aws_time.iso_millis(at),
            "Signature": signature,
            "SigningCertUrl": f"{endpoint}/{certificate}",
            "MessageId": message_id,
            "Message": message,
            "MessageAttributes": attributes,
            "Type": "Notification",
            "UnsubscribeUrl": f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
            "TopicArn": topic_arn,
            "Subject": subject,
        },
    }


# -- EventBridge (facts 9.2) ----------------------------------------------------------------
def eventbridge_event(
    *,
    source: str,
    detail_type: str,
    detail: Mapping[str, Any],
    at: float,
    resources: Sequence[str] = (),
    event_id: str | None = None,
    region: str = limits.DEFAULT_REGION,
    account: str = limits.ACCOUNT_ID,
) -> dict[str, Any]:
    """The envelope every EventBridge event has."""
    return {
        "version": "0",
        "id": event_id or stable_uuid("events", source, detail_type, at, *resources),
        "detail-type": detail_type,
        "source": source,
        "account": account,
        "time": aws_time.iso_seconds(at),
        "region": region,
        "resources": list(resources),
        "detail": dict(detail),
    }


def scheduled_event(rule_arn: str, *, at: float, event_id: str | None = None) -> dict[str, Any]:
    """What a schedule rule sends its target at each fire time."""
    return eventbridge_event(
        source="aws.events",
        detail_type="Scheduled Event",
        detail={},
        at=at,
        resources=[rule_arn],
        event_id=event_id,
        region=arn_part(rule_arn, "events", 3),
        account=arn_part(rule_arn, "events", 4),
    )
