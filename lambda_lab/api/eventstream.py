"""AWS's event stream encoding (``application/vnd.amazon.eventstream``), for responses.

InvokeWithResponseStream answers with a stream of binary messages, each: a prelude (total
length, headers length, CRC32 of those eight bytes), headers (``:event-type``,
``:content-type``, ``:message-type``), the payload, and a CRC32 of everything before it.
botocore and the JavaScript SDK decode these into ``PayloadChunk`` and ``InvokeComplete``
events.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

CONTENT_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7  # header value type: a UTF-8 string with a 2-byte length


def message(event_type: str, payload: bytes, content_type: str) -> bytes:
    """One event message."""
    headers = b"".join(
        _header(name, value)
        for name, value in (
            (":event-type", event_type),
            (":content-type", content_type),
            (":message-type", "event"),
        )
    )
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        struct.pack(">B", len(raw_name))
        + raw_name
        + struct.pack(">BH", _STRING, len(raw_value))
        + raw_value
    )


def encode(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    """InvokeWithResponseStream's events: ``("PayloadChunk", {"Payload": bytes})`` carry raw
    bytes; any other event (``InvokeComplete``) carries its members as JSON."""
    out = []
    for name, members in events:
        if name == "PayloadChunk":
            out.append(message(name, members.get("Payload", b""), "application/octet-stream"))
        else:
            document = {k: v for k, v in members.items() if v is not None}
            out.append(message(name, json.dumps(document).encode(), "application/json"))
    return b"".join(out)
