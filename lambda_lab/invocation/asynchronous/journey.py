"""The journey of one asynchronous event, step by step, for the learner and the timeline.

An event is *received* (202), then has *attempts* (each a real invocation with its record),
*throttled* tries, *waits* between them, and one ending: *succeeded*, *dead-lettered*,
sent to a *destination*, or *dropped*. Every step carries the Lab clock's time.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.monitoring.records import InvocationRecord

# Step kinds, in the words the timeline uses.
RECEIVED = "received"
ATTEMPT = "attempt"
THROTTLED = "throttled"
SERVICE_ERROR = "service error"  # a 5xx from Lambda itself: retried like a throttle
RETRY_SCHEDULED = "retry scheduled"
SUCCEEDED = "succeeded"
FAILED = "failed"  # retries used up, or too old: the event's processing ended in failure
DEAD_LETTER = "dead-letter queue"
DESTINATION = "destination"
DELIVERY_FAILED = "delivery failed"
DROPPED = "dropped"
ENDINGS = (SUCCEEDED, FAILED)


@dataclass(frozen=True)
class Step:
    at: float
    kind: str
    detail: str = ""
    record: InvocationRecord | None = None


@dataclass
class AsyncEvent:
    """One event on the async queue. ``request_id`` stays the same across its retries."""

    request_id: str
    function_name: str
    qualifier: str
    payload: bytes
    received_at: float
    source: str = "invoke"  # who sent it: invoke, s3, sns, events, destination
    steps: list[Step] = field(default_factory=list)
    attempts: int = 0
    throttles: int = 0
    last_response: bytes | None = None
    last_error_type: str | None = None
    last_error_message: str | None = None
    last_status: int = 200
    executed_version: str = "$LATEST"
    condition: str | None = None  # Success | RetriesExhausted | EventAgeExceeded once it ended
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(
        self, at: float, kind: str, detail: str = "", record: InvocationRecord | None = None
    ) -> None:
        with self._lock:
            self.steps.append(Step(at, kind, detail, record))

    @property
    def done(self) -> bool:
        return self.condition is not None

    @property
    def attempt_times(self) -> list[float]:
        """When each attempt started, in seconds after the event was received."""
        return [s.at - self.received_at for s in self.steps if s.kind == ATTEMPT]

    @property
    def event(self) -> Any:
        return json.loads(self.payload) if self.payload else None

    def describe(self) -> str:
        """A plain-text account of the journey, one line per step."""
        lines = [f"event {self.request_id} for {self.function_name} ({self.source})"]
        for step in self.steps:
            offset = step.at - self.received_at
            text = f"  +{_clock_text(offset):>9}  {step.kind}"
            if step.detail:
                text += f": {step.detail}"
            lines.append(text)
        return "\n".join(lines)

    def __repr__(self) -> str:
        state = self.condition or "in flight"
        return f"<AsyncEvent {self.request_id[:8]} {self.function_name} attempts={self.attempts} {state}>"


def _clock_text(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return (
        f"{hours}:{minutes:02d}:{secs:02d}"
        if hours
        else f"{minutes}:{secs:02d}.{int((seconds - whole) * 10)}"
    )
