"""Structured records of what ran: one per invocation, from which logs, metrics and bills derive.

Nothing is ever parsed back out of log text (DESIGN principle 7): the REPORT line is
rendered from an :class:`InvocationRecord`, and so are the metrics and the bill.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

# Outcomes an invocation can have. "throttled" records are kept for metrics but never billed.
OUTCOMES = ("success", "error", "timeout", "out_of_memory", "crash", "throttled")


@dataclass(slots=True)
class InvocationRecord:
    """One invocation. Treat it as read-only once made (not frozen only because frozen
    dataclasses cost several microseconds more to build, on every invoke)."""

    request_id: str
    function_name: str
    version: str  # "$LATEST" or a number
    invocation_type: str  # RequestResponse | Event | poll (an event source mapping)
    outcome: str  # one of OUTCOMES
    start: float  # the Lab clock's epoch seconds when the invoke phase began
    duration_ms: float  # handler time, measured for real
    memory_mb: int
    max_memory_used_mb: int
    architecture: str = "x86_64"
    ephemeral_storage_mb: int = 512
    env_id: str = ""
    cold: bool = False
    init_duration_ms: float | None = None  # only on the first invoke of an environment
    error_type: str | None = None
    error_message: str | None = None
    request_bytes: int = 0
    response_bytes: int = 0
    provisioned: bool = False  # served by a provisioned-concurrency environment
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def billed_duration_ms(self) -> int:
        """Duration rounded up to the next millisecond (1 ms billing since Dec 2020).

        Since Aug 2025 AWS also bills the INIT phase of on-demand ZIP functions, so a cold
        start's Init Duration is added before rounding.
        """
        if self.outcome == "throttled":
            return 0
        billed = self.duration_ms + (self.init_duration_ms or 0.0)
        return max(1, math.ceil(round(billed, 6)))

    @property
    def end(self) -> float:
        return self.start + self.duration_ms / 1000.0

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["billed_duration_ms"] = self.billed_duration_ms
        return data


class RecordStore:
    """Thread-safe, append-only list of invocation records with simple queries."""

    def __init__(self) -> None:
        self._records: list[InvocationRecord] = []
        self._lock = threading.Lock()

    def add(self, record: InvocationRecord) -> None:
        with self._lock:
            self._records.append(record)

    def __iter__(self) -> Iterator[InvocationRecord]:
        with self._lock:
            return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def for_function(self, name: str | None = None) -> list[InvocationRecord]:
        with self._lock:
            return [r for r in self._records if name is None or r.function_name == name]

    def last(self, name: str | None = None) -> InvocationRecord | None:
        found = self.for_function(name)
        return found[-1] if found else None

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
