"""A plain Python handler behind the ``invoke`` contract the Lab gives every front door.

``FakeLambda`` keeps the contract the Lab gives every front door: ``invoke(name, event,
qualifier)`` returns ``.payload`` (JSON bytes), ``.function_error`` and ``.record``, and
calls Lambda refuses raise an exception with AWS's ``.code``. Tests with real workers
belong to the runtime's own suite.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ServiceError(Exception):
    """A Lambda service error as the runtime raises it: an AWS code and an HTTP status."""

    def __init__(self, code: str, status: int, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.status = status


@dataclass
class Record:
    error_type: str | None = None
    duration_ms: float = 1.0


@dataclass
class Result:
    payload: bytes
    function_error: str | None
    record: Record


@dataclass
class FakeLambda:
    """``invoke`` for one handler, remembering every event it received."""

    handler: Callable[[dict[str, Any], Any], Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    raise_error: ServiceError | None = None
    duration_ms: float = 1.0
    timed_out: bool = False

    def __call__(
        self, function_name: str, event: dict[str, Any], qualifier: str | None = None
    ) -> Result:
        self.calls.append((function_name, qualifier))
        if self.raise_error is not None:
            raise self.raise_error
        self.events.append(json.loads(json.dumps(event)))  # what crosses the wire: JSON only
        if self.timed_out:
            document = {
                "errorMessage": "Task timed out after 3.00 seconds",
                "errorType": "Sandbox.Timedout",
            }
            return Result(
                json.dumps(document).encode(), "Unhandled", Record("Sandbox.Timedout", 3000.0)
            )
        try:
            value = self.handler(event, None)
        except Exception as exc:  # noqa: BLE001 - any handler error is Lambda's Unhandled
            document = {
                "errorMessage": str(exc),
                "errorType": type(exc).__name__,
                "stackTrace": traceback.format_tb(exc.__traceback__),
            }
            return Result(json.dumps(document).encode(), "Unhandled", Record(type(exc).__name__))
        return Result(json.dumps(value).encode(), None, Record(None, self.duration_ms))

    @property
    def last_event(self) -> dict[str, Any]:
        return self.events[-1]


def returning(value: Any) -> FakeLambda:
    return FakeLambda(lambda event, context: value)


# The console's default Python handler answers this (statusCode 200, a JSON body, no headers).
CONSOLE_DEFAULT = {"statusCode": 200, "body": json.dumps("Hello from Lambda!")}
# The lecture's response document that a browser renders.
LECTURE_HTML = {
    "statusCode": 200,
    "statusDescription": "200 OK",
    "isBase64Encoded": False,
    "headers": {"Content-Type": "text/html"},
    "body": "<h1>Hello from Lambda!</h1>",
}
