"""CloudWatch-style metric data points the Lab emits beyond what invocation records hold.

Invocation records already give Invocations, Errors, Duration and Throttles. The async
queue and the pollers add the metrics that have no record of their own: DeadLetterErrors,
DestinationDeliveryFailures, AsyncEventsReceived, AsyncEventAge, AsyncEventsDropped and
IteratorAge.
Each data point carries the Lab clock's time, so a plot over a virtual day is honest::

    lab.metrics.total("DeadLetterErrors", "my-function")
    lab.metrics.points("IteratorAge", "stream-reader")   # [(time, milliseconds), ...]

The concurrency metrics are derived on demand, per period (one minute, as CloudWatch shows
Lambda's), from the invocation records and the admission counters of ``lab.concurrency``::

    per_minute(lab, "ConcurrentExecutions")          # [(period start, maximum), ...]
    per_minute(lab, "Throttles", "my-function")      # [(period start, sum), ...]
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lambda_lab.concurrency.controller import Concurrency
    from lambda_lab.monitoring.records import InvocationRecord, RecordStore

# Metric names, as CloudWatch shows them under the AWS/Lambda namespace.
DEAD_LETTER_ERRORS = "DeadLetterErrors"
DESTINATION_DELIVERY_FAILURES = "DestinationDeliveryFailures"
ASYNC_EVENTS_RECEIVED = "AsyncEventsReceived"
ASYNC_EVENTS_DROPPED = "AsyncEventsDropped"
ASYNC_EVENT_AGE = "AsyncEventAge"  # ms from queued to invoked, one point per attempt that ran
ITERATOR_AGE = "IteratorAge"
NAMES = (
    DEAD_LETTER_ERRORS,
    DESTINATION_DELIVERY_FAILURES,
    ASYNC_EVENTS_RECEIVED,
    ASYNC_EVENTS_DROPPED,
    ASYNC_EVENT_AGE,
    ITERATOR_AGE,
)


@dataclass(frozen=True)
class DataPoint:
    name: str
    function_name: str
    at: float  # the Lab clock's epoch seconds
    value: float


DEFAULT_MAX_POINTS = 10_000  # data points kept in memory by default


class Metrics:
    """Thread-safe data points, queried by metric name and function.

    The newest ``max_points`` are kept (older ones are dropped and counted in
    :attr:`dropped`); :meth:`total` and :meth:`latest` come from running sums, so they stay
    exact for every point ever put, dropped ones included.
    """

    def __init__(self, now: Callable[[], float], max_points: int = DEFAULT_MAX_POINTS) -> None:
        self._now = now
        self._points: deque[DataPoint] = deque(maxlen=_positive(max_points))
        self._sums: dict[tuple[str, str], float] = {}
        self._latest: dict[tuple[str, str], tuple[int, float]] = {}  # -> (put number, value)
        self._put = 0
        self._lock = threading.Lock()

    @property
    def max_points(self) -> int:
        return self._points.maxlen or 0

    @max_points.setter
    def max_points(self, value: int) -> None:
        with self._lock:
            self._points = deque(self._points, maxlen=_positive(value))

    @property
    def dropped(self) -> int:
        """Points no longer kept (the oldest, beyond ``max_points``); still in :meth:`total`."""
        return self._put - len(self._points)

    def put(
        self, name: str, function_name: str, value: float = 1.0, at: float | None = None
    ) -> None:
        if name not in NAMES:
            raise ValueError(f"unknown metric {name!r}; expected one of {', '.join(NAMES)}")
        point = DataPoint(name, function_name, self._now() if at is None else at, float(value))
        key = (name, function_name)
        with self._lock:
            self._points.append(point)
            self._put += 1
            self._sums[key] = self._sums.get(key, 0.0) + point.value
            self._latest[key] = (self._put, point.value)

    def points(self, name: str, function_name: str | None = None) -> list[tuple[float, float]]:
        """``(time, value)`` pairs of the points kept, in the order they were emitted."""
        with self._lock:
            return [
                (p.at, p.value)
                for p in self._points
                if p.name == name and (function_name is None or p.function_name == function_name)
            ]

    def total(self, name: str, function_name: str | None = None) -> float:
        with self._lock:
            return sum(
                value
                for (metric, fn), value in self._sums.items()
                if metric == name and (function_name is None or fn == function_name)
            )

    def latest(self, name: str, function_name: str | None = None) -> float | None:
        with self._lock:
            found = [
                moment
                for (metric, fn), moment in self._latest.items()
                if metric == name and (function_name is None or fn == function_name)
            ]
        return max(found)[1] if found else None

    def __len__(self) -> int:
        return len(self._points)

    def __repr__(self) -> str:
        counts = {name: len(self.points(name)) for name in NAMES}
        shown = ", ".join(f"{name}={count}" for name, count in counts.items() if count)
        return f"<Metrics {shown or 'empty'}>"


def _positive(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_points must be a whole number >= 1 (got {value!r})")
    return value


# -- derived per-period metrics ---------------------------------------------------------------
PERIOD_S = 60
INVOCATIONS = "Invocations"
THROTTLES = "Throttles"
CONCURRENT_EXECUTIONS = "ConcurrentExecutions"
UNRESERVED_CONCURRENT_EXECUTIONS = "UnreservedConcurrentExecutions"
PROVISIONED_CONCURRENT_EXECUTIONS = "ProvisionedConcurrentExecutions"
PROVISIONED_CONCURRENCY_INVOCATIONS = "ProvisionedConcurrencyInvocations"
PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS = "ProvisionedConcurrencySpilloverInvocations"
PROVISIONED_CONCURRENCY_UTILIZATION = "ProvisionedConcurrencyUtilization"
# name -> the statistic CloudWatch graphs it with by default
DERIVED = {
    INVOCATIONS: "Sum",
    THROTTLES: "Sum",
    CONCURRENT_EXECUTIONS: "Maximum",
    UNRESERVED_CONCURRENT_EXECUTIONS: "Maximum",
    PROVISIONED_CONCURRENT_EXECUTIONS: "Maximum",
    PROVISIONED_CONCURRENCY_INVOCATIONS: "Sum",
    PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS: "Sum",
    PROVISIONED_CONCURRENCY_UTILIZATION: "Maximum",
}


class Activity(Protocol):
    """What the derived metrics are read from: a Lab, or anything holding its invocation
    records and its admission counters."""

    @property
    def records(self) -> RecordStore: ...

    @property
    def concurrency(self) -> Concurrency: ...


def per_minute(
    account: Activity, name: str, function_name: str | None = None, period_s: float = PERIOD_S
) -> list[tuple[float, float]]:
    """``(period start, value)`` for every period from the first activity to the last.

    They come from the invocation records the Lab keeps (``lab.records``, the newest
    ``max_records``; ``lab.records.dropped`` says how many older ones are not counted here).
    Concurrency counts an invocation from the start of its init (a cold start) to the end
    of its run. ``UnreservedConcurrentExecutions`` counts on-demand runs of functions
    without reserved concurrency; ``ProvisionedConcurrencyUtilization`` is provisioned runs
    over the provisioned environments ready then (0.5 = half in use).
    """
    if name not in DERIVED:
        raise ValueError(f"unknown derived metric {name!r}; expected one of {', '.join(DERIVED)}")
    if not period_s > 0:
        raise ValueError(f"period_s must be > 0 (got {period_s!r})")
    records = account.records.for_function(function_name)
    admissions = account.concurrency

    def chosen(name_of_function: str) -> bool:
        return function_name is None or name_of_function == function_name

    if name == THROTTLES:
        return _sums([t.at for t in admissions.throttle_log if chosen(t.function_name)], period_s)
    if name == PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS:
        return _sums([at for at, fn in admissions.spillover_log if chosen(fn)], period_s)
    if name == INVOCATIONS:
        return _sums([r.start for r in records], period_s)
    if name == PROVISIONED_CONCURRENCY_INVOCATIONS:
        return _sums([r.start for r in records if r.provisioned], period_s)
    starts = _span([moment for r in records for moment in _busy(r)], period_s)
    if name == CONCURRENT_EXECUTIONS:
        return _maxima(records, starts, period_s)
    if name == UNRESERVED_CONCURRENT_EXECUTIONS:
        unreserved = [
            r for r in records if not r.provisioned and admissions.reserved(r.function_name) is None
        ]
        return _maxima(unreserved, starts, period_s)
    provisioned = _maxima([r for r in records if r.provisioned], starts, period_s)
    if name == PROVISIONED_CONCURRENT_EXECUTIONS:
        return provisioned
    history = [(at, fn, ready) for at, fn, ready in admissions.provisioned.history if chosen(fn)]
    return [
        (start, value / ready if (ready := _ready_at(history, start + period_s)) else 0.0)
        for start, value in provisioned
    ]


def _busy(record: InvocationRecord) -> tuple[float, float]:
    return record.start - (record.init_duration_ms or 0.0) / 1000.0, record.end


def _span(times: Iterable[float], period_s: float) -> list[float]:
    times = list(times)
    if not times:
        return []
    first, last = int(min(times) // period_s), int(max(times) // period_s)
    return [index * period_s for index in range(first, last + 1)]


def _sums(times: list[float], period_s: float) -> list[tuple[float, float]]:
    counts = dict.fromkeys(_span(times, period_s), 0.0)
    for at in times:
        counts[int(at // period_s) * period_s] += 1
    return list(counts.items())


def _maxima(
    records: list[InvocationRecord], starts: list[float], period_s: float
) -> list[tuple[float, float]]:
    """The highest number of overlapping busy intervals in each period."""
    # (time, -1) sorts before (time, +1): one run ending as another starts is no overlap.
    changes = sorted(
        [(begin, 1) for begin, _ in map(_busy, records)]
        + [(end, -1) for _, end in map(_busy, records)]
    )
    maxima, level, index = [], 0, 0
    for start in starts:
        peak = level  # runs carried over from the previous period count here too
        while index < len(changes) and changes[index][0] < start + period_s:
            level += changes[index][1]
            peak = max(peak, level)
            index += 1
        maxima.append((start, float(peak)))
    return maxima


def _ready_at(history: list[tuple[float, str, int]], moment: float) -> int:
    """Provisioned environments ready at ``moment``, summed over functions."""
    latest: dict[str, int] = {}
    for at, function_name, ready in history:
        if at <= moment:
            latest[function_name] = ready
    return sum(latest.values())
