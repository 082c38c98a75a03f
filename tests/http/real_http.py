"""Helpers of the tests that go through a real Lab: real workers, real sockets."""

from __future__ import annotations

import http.client
import json
from typing import Any

# A handler that answers with the event it received, readable through every door:
# ALB reads ``headers`` or ``multiValueHeaders`` (by target group mode), API Gateway merges
# both, payload 2.0 ignores the one it does not know.
ECHO = """
import json


def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "body": json.dumps(event),
    }
"""

REPEATED = [
    ("Cookie", "name1=value1"),
    ("Cookie", "name2=value2"),
    ("X-Custom", "A"),
    ("X-Custom", "B"),
]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"


def send(
    door: Any, method: str, target: str, headers: Any = (), body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One request written header by header on a fresh connection, so names may repeat
    exactly as given. ``door`` is anything with a ``port``."""
    connection = http.client.HTTPConnection("127.0.0.1", door.port, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def echoed(door: Any, method: str, target: str, headers: Any = (), body: bytes = b"") -> dict:
    """The event the echo handler received, checked against what the door recorded."""
    status, _, answer = send(door, method, target, headers, body)
    assert status == 200, answer
    event = json.loads(answer)
    assert event == door.last.event  # the worker got exactly what the door built
    return event
