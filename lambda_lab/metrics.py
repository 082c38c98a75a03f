"""CloudWatch-style metric data points the Lab emits beyond what invocation records hold.

Invocation records already give Invocations, Errors, Duration and Throttles. The async
queue and the pollers add the metrics that have no record of their own: DeadLetterErrors,
DestinationDeliveryFailures, AsyncEventsReceived, AsyncEventsDropped and IteratorAge.
Each data point carries the Lab clock's time, so a plot over a virtual day is honest::

    lab.metrics.total("DeadLetterErrors", "my-function")
    lab.metrics.points("IteratorAge", "stream-reader")   # [(time, milliseconds), ...]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

# Metric names, as CloudWatch shows them under the AWS/Lambda namespace.
DEAD_LETTER_ERRORS = "DeadLetterErrors"
DESTINATION_DELIVERY_FAILURES = "DestinationDeliveryFailures"
ASYNC_EVENTS_RECEIVED = "AsyncEventsReceived"
ASYNC_EVENTS_DROPPED = "AsyncEventsDropped"
ITERATOR_AGE = "IteratorAge"
NAMES = (
    DEAD_LETTER_ERRORS,
    DESTINATION_DELIVERY_FAILURES,
    ASYNC_EVENTS_RECEIVED,
    ASYNC_EVENTS_DROPPED,
    ITERATOR_AGE,
)


@dataclass(frozen=True)
class DataPoint:
    name: str
    function_name: str
    at: float  # the Lab clock's epoch seconds
    value: float


class Metrics:
    """Thread-safe, append-only data points, queried by metric name and function."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._points: list[DataPoint] = []
        self._lock = threading.Lock()

    def put(self, name: str, function_name: str, value: float = 1.0, at: float | None = None) -> None:
        if name not in NAMES:
            raise ValueError(f"unknown metric {name!r}; expected one of {', '.join(NAMES)}")
        point = DataPoint(name, function_name, self._now() if at is None else at, float(value))
        with self._lock:
            self._points.append(point)

    def points(self, name: str, function_name: str | None = None) -> list[tuple[float, float]]:
        """``(time, value)`` pairs in the order they were emitted."""
        with self._lock:
            return [
                (p.at, p.value)
                for p in self._points
                if p.name == name and (function_name is None or p.function_name == function_name)
            ]

    def total(self, name: str, function_name: str | None = None) -> float:
        return sum(value for _, value in self.points(name, function_name))

    def latest(self, name: str, function_name: str | None = None) -> float | None:
        found = self.points(name, function_name)
        return found[-1][1] if found else None

    def __len__(self) -> int:
        return len(self._points)

    def __repr__(self) -> str:
        counts = {name: len(self.points(name)) for name in NAMES}
        shown = ", ".join(f"{name}={count}" for name, count in counts.items() if count)
        return f"<Metrics {shown or 'empty'}>"
