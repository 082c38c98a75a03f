"""Structured records of what ran: one per invocation, from which logs, metrics and bills derive.

Nothing is ever parsed back out of log text (DESIGN principle 7): the REPORT line is
rendered from an :class:`InvocationRecord`, and so are the metrics and the bill.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
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

    def as_row(self) -> dict[str, Any]:
        """The record as plain JSON values, cheaply (what ``serve --state`` appends to disk)."""
        row = {name: getattr(self, name) for name in _ROW_FIELDS}
        row["billed_duration_ms"] = self.billed_duration_ms
        return row


DEFAULT_MAX_RECORDS = 10_000  # invocation records kept in memory by default


_ROW_FIELDS = tuple(f.name for f in fields(InvocationRecord))


class RecordStore:
    """Thread-safe, append-only, bounded list of invocation records with simple queries.

    The newest ``max_records`` are kept; older ones are dropped and counted (:attr:`dropped`,
    :meth:`dropped_for`). What every record billed is added up as it arrives
    (:meth:`usage`), dropped ones included, so a bill stays exact and costs the same however
    many invocations ran. ``spill``, when set, is given every record as it comes
    (``lambda-lab serve --state`` appends them to disk).
    """

    def __init__(self, max_records: int = DEFAULT_MAX_RECORDS) -> None:
        from lambda_lab.pricing.totals import UsageTotals

        self._records: deque[InvocationRecord] = deque(maxlen=_positive(max_records))
        self._lock = threading.Lock()
        self._added: dict[str, int] = {}
        self._totals = UsageTotals()
        self.spill: Callable[[InvocationRecord], None] | None = None

    @property
    def max_records(self) -> int:
        return self._records.maxlen or 0

    @max_records.setter
    def max_records(self, value: int) -> None:
        with self._lock:
            self._records = deque(self._records, maxlen=_positive(value))

    def add(self, record: InvocationRecord) -> None:
        spill = self.spill
        if spill is not None:
            spill(record)
        with self._lock:
            self._records.append(record)
            name = record.function_name
            self._added[name] = self._added.get(name, 0) + 1
            self._totals.add(record)

    def __iter__(self) -> Iterator[InvocationRecord]:
        with self._lock:
            return iter(list(self._records))

    def __len__(self) -> int:
        return len(self._records)

    @property
    def added(self) -> int:
        """Records added since the last :meth:`clear`, dropped ones included."""
        return sum(self._added.values())

    @property
    def dropped(self) -> int:
        """Records no longer kept in memory (the oldest, beyond ``max_records``)."""
        return self.added - len(self._records)

    def dropped_for(self, name: str) -> int:
        with self._lock:
            kept = sum(1 for r in self._records if r.function_name == name)
            return self._added.get(name, 0) - kept

    def for_function(self, name: str | None = None) -> list[InvocationRecord]:
        with self._lock:
            return [r for r in self._records if name is None or r.function_name == name]

    def last(self, name: str | None = None) -> InvocationRecord | None:
        with self._lock:
            for record in reversed(self._records):
                if name is None or record.function_name == name:
                    return record
        return None

    def last_start(self, name: str) -> float | None:
        """When function ``name`` was last invoked (the Lab clock's epoch seconds), if ever."""
        last = self.last(name)
        return None if last is None else last.start

    def usage(self, name: str | None = None) -> Any:
        """What the invocations since the last :meth:`clear` bill (a ``pricing.Usage``),
        dropped records included; throttled ones bill nothing."""
        with self._lock:
            return self._totals.usage(name)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._added.clear()
            self._totals.clear()


def _positive(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_records must be a whole number >= 1 (got {value!r})")
    return value
