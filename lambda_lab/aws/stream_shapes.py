"""Stream identifiers as AWS writes them, where moto's differ (installed once, at moto's load).

- Kinesis sequence numbers are 56-digit decimals on AWS (``4959...``); moto counts 1, 2, ...
  Each shard here starts from a 56-digit number of its own and counts up from there, so
  PutRecord's answer, GetRecords and the records a Lambda function receives all agree.
- A DynamoDB stream's label (the end of its ARN) is a timestamp with milliseconds on AWS
  (``2015-05-11T21:21:33.291``); moto writes microseconds.
"""

from __future__ import annotations

import random
from typing import Any

_installed = False


def _first_sequence_number() -> int:
    """A 56-digit starting point: AWS's numbers begin with 49; the rest tells shards apart."""
    return int("49" + f"{random.getrandbits(64):020d}"[:20] + "0" * 34)


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    from moto.dynamodb.models.table import Table
    from moto.kinesis.models import Record, Shard

    def put_record(self: Any, partition_key: str, data: bytes, explicit_hash_key: str) -> str:
        number = self.get_max_sequence_number() + 1 if self.records else _first_sequence_number()
        self.records[number] = Record(partition_key, data, number, explicit_hash_key)
        return str(number)

    Shard.put_record = put_record  # type: ignore[method-assign]

    original = Table.set_stream_specification

    def set_stream_specification(self: Any, streams: Any) -> None:
        original(self, streams)
        label = getattr(self, "latest_stream_label", None)
        if label and len(label) > 23:  # 2026-12-06T22:33:52.188310 -> 2026-12-06T22:33:52.188
            self.latest_stream_label = label[:23]

    Table.set_stream_specification = set_stream_specification  # type: ignore[method-assign]
