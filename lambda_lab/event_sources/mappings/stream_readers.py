"""Reading Kinesis and DynamoDB stream shards, turning each record into Lambda's event shape.

A :class:`ShardReader` keeps its place in one shard (a shard iterator) and returns what is
new each time it is asked. Its iterator is taken when the mapping is created, so LATEST
means "records written from now on", as on AWS. Each record is stamped with the Lab clock's
time when the reader first saw it: that is its arrival for IteratorAge and
MaximumRecordAgeInSeconds, so a virtual clock ages records too.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.event_sources.mappings.config import KINESIS, MappingConfig
from lambda_lab.event_sources.shapes.streams import dynamodb_record, kinesis_record

if TYPE_CHECKING:
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock

READ_LIMIT = 1000  # records per GetRecords call
DYNAMODB_RETENTION_S = 24 * 3600  # DynamoDB streams keep records for 24 hours


@dataclass(frozen=True)
class StreamRecord:
    sequence_number: str
    key: str  # partition key (Kinesis) or the item's keys (DynamoDB): records of one key stay in order
    arrival: float  # the Lab clock when the reader first saw it
    event: dict[str, Any]  # the record exactly as the function receives it

    def lane(self, lanes: int) -> int:
        """Which of ``lanes`` parallel batches (ParallelizationFactor) this record belongs to."""
        return zlib.crc32(self.key.encode()) % lanes


def describe(clients: Clients, config: MappingConfig) -> tuple[list[str], float]:
    """The shard ids of the mapping's stream and how long the stream keeps records (seconds)."""
    try:
        if config.kind == KINESIS:
            kinesis = clients("kinesis")
            found = kinesis.describe_stream(
                StreamName=config.source_arn.split(":")[5].split("/", 1)[1]
            )
            description = found["StreamDescription"]
            return [s["ShardId"] for s in description["Shards"]], description.get(
                "RetentionPeriodHours", 24
            ) * 3600.0
        streams = clients("dynamodbstreams")
        description = streams.describe_stream(StreamArn=config.source_arn)["StreamDescription"]
        return [s["ShardId"] for s in description["Shards"]], float(DYNAMODB_RETENTION_S)
    except Exception as exc:  # botocore's ClientError: the stream is not there
        raise errors.InvalidParameterValueException(
            f"Stream not found: {config.source_arn} ({exc})"
        ) from None


class ShardReader:
    def __init__(
        self, clients: Clients, clock: Clock, config: MappingConfig, shard_id: str, role: str
    ) -> None:
        self._clock = clock
        self._config = config
        self.shard_id = shard_id
        self._role = role  # the function's execution role: each record's invoke identity
        self._kinesis = config.kind == KINESIS
        self._client = clients("kinesis" if self._kinesis else "dynamodbstreams")
        self._iterator = self._first_iterator()

    def _first_iterator(self) -> str:
        position = self._config.starting_position or "TRIM_HORIZON"
        if self._kinesis:
            extra: dict[str, Any] = {}
            if position == "AT_TIMESTAMP":
                extra["Timestamp"] = self._config.starting_timestamp
            name = self._config.source_arn.split(":")[5].split("/", 1)[1]
            return self._client.get_shard_iterator(
                StreamName=name, ShardId=self.shard_id, ShardIteratorType=position, **extra
            )["ShardIterator"]
        return self._client.get_shard_iterator(
            StreamArn=self._config.source_arn, ShardId=self.shard_id, ShardIteratorType=position
        )["ShardIterator"]

    def read(self) -> list[StreamRecord]:
        """Every record written since the last read, oldest first."""
        found: list[StreamRecord] = []
        now = self._clock.time()
        while True:
            answer = self._client.get_records(ShardIterator=self._iterator, Limit=READ_LIMIT)
            self._iterator = answer.get("NextShardIterator") or self._iterator
            records = answer.get("Records", [])
            found.extend(self._convert(r, now) for r in records)
            if len(records) < READ_LIMIT:
                return found

    def _convert(self, raw: dict[str, Any], now: float) -> StreamRecord:
        if self._kinesis:
            event = kinesis_record(
                raw["Data"], stream_arn=self._config.source_arn, partition_key=raw["PartitionKey"],
                sequence_number=raw["SequenceNumber"], arrival=now, shard_id=self.shard_id,
                invoke_identity_arn=self._role,
            )  # fmt: skip
            return StreamRecord(raw["SequenceNumber"], raw["PartitionKey"], now, event)
        change = raw["dynamodb"]
        event = dynamodb_record(
            raw["eventName"], stream_arn=self._config.source_arn, keys=_json_safe(change["Keys"]),
            sequence_number=change["SequenceNumber"], new_image=_json_safe(change.get("NewImage")),
            old_image=_json_safe(change.get("OldImage")),
            stream_view_type=change.get("StreamViewType", "NEW_AND_OLD_IMAGES"),
            event_id=raw.get("eventID"), created_at=_epoch(change.get("ApproximateCreationDateTime")),
        )  # fmt: skip
        key = repr(sorted(event["dynamodb"]["Keys"].items()))
        return StreamRecord(change["SequenceNumber"], key, now, event)


def _epoch(value: Any) -> float | None:
    """ApproximateCreationDateTime as boto3 parses it (a datetime) -> epoch seconds."""
    if value is None:
        return None
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _json_safe(value: Any) -> Any:
    """DynamoDB JSON as boto3 parses it, with binary values back in base64 text as on the wire."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, set):
        return [_json_safe(v) for v in value]
    return value
