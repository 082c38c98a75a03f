"""Kinesis and DynamoDB stream records, field for field as Lambda delivers them (facts section 7).

Pure builders like those of :mod:`.shapes`: times are epoch seconds, missing ids are derived
from the inputs. DynamoDB images are DynamoDB JSON (``{"Id": {"N": "101"}}``), as
``dynamodbstreams.get_records`` returns them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lambda_lab.event_sources.shapes.events import arn_part, stable_hex

DYNAMODB_EVENT_NAMES = ("INSERT", "MODIFY", "REMOVE")
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")


def kinesis_record(
    data: bytes | str,
    *,
    stream_arn: str,
    partition_key: str,
    sequence_number: str,
    arrival: float,
    shard_id: str = "shardId-000000000000",
    invoke_identity_arn: str | None = None,
) -> dict[str, Any]:
    """One Kinesis record; ``data`` is base64-encoded as Lambda delivers it."""
    region = arn_part(stream_arn, "kinesis", 3)
    raw = data.encode() if isinstance(data, str) else data
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": sequence_number,
            "data": base64.b64encode(raw).decode(),
            "approximateArrivalTimestamp": round(arrival, 3),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": invoke_identity_arn
        or f"arn:aws:iam::{arn_part(stream_arn, 'kinesis', 4)}:role/lambda-role",
        "awsRegion": region,
        "eventSourceARN": stream_arn,
    }


def dynamodb_record(
    event_name: str,
    *,
    stream_arn: str,
    keys: Mapping[str, Any],
    sequence_number: str,
    new_image: Mapping[str, Any] | None = None,
    old_image: Mapping[str, Any] | None = None,
    stream_view_type: str = "NEW_AND_OLD_IMAGES",
    event_id: str | None = None,
    created_at: float | None = None,
) -> dict[str, Any]:
    """One DynamoDB stream record; images (DynamoDB JSON) appear as the view type says.

    INSERT carries NewImage, REMOVE OldImage, MODIFY both; KEYS_ONLY none. ``SizeBytes``
    follows DynamoDB's item-size rules over Keys and the images included.
    ``ApproximateCreationDateTime`` appears only when ``created_at`` is given.
    """
    if event_name not in DYNAMODB_EVENT_NAMES:
        raise ValueError(f"event_name must be one of {DYNAMODB_EVENT_NAMES} (got {event_name!r})")
    if stream_view_type not in STREAM_VIEW_TYPES:
        raise ValueError(
            f"stream_view_type must be one of {STREAM_VIEW_TYPES} (got {stream_view_type!r})"
        )
    region = arn_part(stream_arn, "dynamodb", 3)
    images: dict[str, Any] = {}
    if event_name != "REMOVE" and stream_view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        images["NewImage"] = _required_image(new_image, "new_image", event_name)
    if event_name != "INSERT" and stream_view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        images["OldImage"] = _required_image(old_image, "old_image", event_name)
    change: dict[str, Any] = {}
    if created_at is not None:
        change["ApproximateCreationDateTime"] = int(created_at)  # whole seconds, as in AWS's events
    change.update(Keys=dict(keys), **images)
    change.update(
        StreamViewType=stream_view_type,
        SequenceNumber=sequence_number,
        SizeBytes=sum(item_size(part) for part in (keys, *images.values())),
    )
    return {
        "eventID": event_id or stable_hex(32, "ddb", stream_arn, sequence_number).lower(),
        "eventVersion": "1.0",
        "dynamodb": change,
        "awsRegion": region,
        "eventName": event_name,
        "eventSourceARN": stream_arn,
        "eventSource": "aws:dynamodb",
    }


def _required_image(image: Mapping[str, Any] | None, name: str, event_name: str) -> dict[str, Any]:
    if image is None:
        raise ValueError(f"a {event_name} record with this stream view type needs {name}")
    return dict(image)


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes of a DynamoDB item: each attribute's name plus its value (DynamoDB's rules)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(typed: Mapping[str, Any]) -> int:
    ((kind, value),) = typed.items()
    if kind == "S":
        return len(value.encode())
    if kind == "N":
        digits = len(Decimal(value).normalize().as_tuple().digits)
        return (digits + 1) // 2 + 1  # about one byte per two significant digits, plus one
    if kind == "B":
        return len(base64.b64decode(value)) if isinstance(value, str) else len(value)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: member}) for member in value)
    if kind == "L":
        return 3 + sum(1 + _value_size(member) for member in value)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_size(v) for k, v in value.items())
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")
