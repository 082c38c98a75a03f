"""Every Lambda metric the Lab can graph, per period, with CloudWatch's statistics.

One call for all of them, wherever their data lives::

    series(lab, "Errors", "orders")                         # [(period start, Sum), ...]
    series(lab, "Duration", "orders", statistic="p99")      # from the invocation records
    series(lab, "IteratorAge", "reader", period_s=10)       # from lab.metrics' data points
    series(lab, "ConcurrentExecutions")                     # metrics.per_minute, unchanged

* ``Errors`` and ``Duration`` come from the invocation records (errors include timeouts and
  runtime failures, as on AWS; throttled requests never ran, so they count in neither);
* ``SuccessRate`` is what the console's "Error count and success rate" graph derives:
  ``100 × (1 − Errors / Invocations)`` per period;
* the async and stream metrics (``IteratorAge``, ``DeadLetterErrors``, ...) are the data
  points in ``lab.metrics``; the concurrency ones are :func:`lambda_lab.monitoring.metrics.per_minute`.

Sums are 0 in a quiet period between two busy ones; averages, maxima and percentiles have
no value there (CloudWatch leaves a gap), so those periods are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from lambda_lab.monitoring import metrics

if TYPE_CHECKING:
    from lambda_lab.monitoring.metrics import Metrics

ERRORS = "Errors"
DURATION = "Duration"
SUCCESS_RATE = "SuccessRate"
FROM_RECORDS = {ERRORS: "Sum", DURATION: "Average", SUCCESS_RATE: "Average"}
FROM_POINTS = {
    metrics.ITERATOR_AGE: "Maximum",
    metrics.DEAD_LETTER_ERRORS: "Sum",
    metrics.DESTINATION_DELIVERY_FAILURES: "Sum",
    metrics.ASYNC_EVENTS_RECEIVED: "Sum",
    metrics.ASYNC_EVENTS_DROPPED: "Sum",
    metrics.ASYNC_EVENT_AGE: "Average",
}
# Every metric name -> the statistic it is graphed with unless another one is asked for.
DEFAULT_STATISTIC = {**metrics.DERIVED, **FROM_RECORDS, **FROM_POINTS}
UNITS = {
    DURATION: "ms",
    metrics.ITERATOR_AGE: "ms",
    metrics.ASYNC_EVENT_AGE: "ms",
    SUCCESS_RATE: "%",
}
STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount", "p50", "p90", "p99")
_FAILED = ("error", "timeout", "out_of_memory", "crash")


class MetricSources(metrics.Activity, Protocol):
    """Where every metric is read from: a Lab, or anything holding its invocation records,
    admission counters and data points."""

    @property
    def metrics(self) -> Metrics: ...


def series(
    account: MetricSources,
    name: str,
    function_name: str | None = None,
    *,
    statistic: str | None = None,
    period_s: float = 60,
) -> list[tuple[float, float]]:
    """``(period start, value)`` of one metric, for a function or the whole Lab."""
    if name not in DEFAULT_STATISTIC:
        raise ValueError(f"unknown metric {name!r}; expected one of {', '.join(DEFAULT_STATISTIC)}")
    if not period_s > 0:
        raise ValueError(f"period_s must be > 0 (got {period_s!r})")
    if name in metrics.DERIVED:
        if statistic not in (None, metrics.DERIVED[name]):
            raise ValueError(
                f"{name} is graphed with {metrics.DERIVED[name]} (got statistic={statistic!r})"
            )
        return metrics.per_minute(account, name, function_name, period_s)
    chosen = statistic or DEFAULT_STATISTIC[name]
    if chosen not in STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(STATISTICS)} (got {chosen!r})")
    if name in FROM_POINTS:
        return _per_period(account.metrics.points(name, function_name), chosen, period_s)
    ran = [r for r in account.records.for_function(function_name) if r.outcome != "throttled"]
    if name == ERRORS:
        return _per_period([(r.start, float(r.outcome in _FAILED)) for r in ran], chosen, period_s)
    if name == DURATION:
        return _per_period([(r.start, r.duration_ms) for r in ran], chosen, period_s)
    calls = _per_period([(r.start, 1.0) for r in ran], "Sum", period_s)
    failures = dict(
        _per_period([(r.start, float(r.outcome in _FAILED)) for r in ran], "Sum", period_s)
    )
    return [(start, 100.0 * (1 - failures[start] / count)) for start, count in calls if count]


def _per_period(
    points: list[tuple[float, float]], statistic: str, period_s: float
) -> list[tuple[float, float]]:
    """Group ``(time, value)`` points into periods and apply a CloudWatch statistic."""
    if not points:
        return []
    groups: dict[int, list[float]] = {}
    for at, value in points:
        groups.setdefault(math.floor(at / period_s), []).append(value)
    first, last = min(groups), max(groups)
    result = []
    for index in range(first, last + 1):
        values = groups.get(index, [])
        if values:
            result.append((index * period_s, _STATS[statistic](values)))
        elif statistic in ("Sum", "SampleCount"):
            result.append((index * period_s, 0.0))
    return result


def _percentile(share: float) -> Callable[[list[float]], float]:
    """The nearest-rank percentile (the value below which ``share`` of the values fall)."""

    def pick(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    return pick


_STATS: dict[str, Callable[[list[float]], float]] = {
    "Sum": lambda values: float(sum(values)),
    "Average": lambda values: sum(values) / len(values),
    "Minimum": min,
    "Maximum": max,
    "SampleCount": lambda values: float(len(values)),
    "p50": _percentile(0.50),
    "p90": _percentile(0.90),
    "p99": _percentile(0.99),
}
