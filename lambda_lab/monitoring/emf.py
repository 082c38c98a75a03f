"""Custom metrics from log lines: CloudWatch's Embedded Metric Format (EMF).

A function prints one JSON object per line with an ``_aws`` member that says which of its
other members are metrics, in which namespace and with which dimensions::

    {"_aws": {"Timestamp": 1767225600000,
              "CloudWatchMetrics": [{"Namespace": "Shop", "Dimensions": [["Service"]],
                                     "Metrics": [{"Name": "OrderTotal", "Unit": "None"}]}]},
     "Service": "checkout", "OrderTotal": 42.5, "orderId": "o-17"}

CloudWatch Logs turns such a line into data points (here ``Shop/OrderTotal`` with
``Service=checkout``) with no API call from the function: nothing waits on PutMetricData.
Members that are neither metrics nor dimensions (``orderId``) stay in the log for Logs
Insights. :class:`EmfMetrics` does the same for the Lab: the invoke pipeline hands it each
invocation's output (``ingest``); lines that break the specification are kept in
``rejected`` with the reason, as they would silently produce no metric on AWS.

In the Lab a data point is placed at the Lab clock's time of the invocation, so metrics
from a virtual day line up with its invocations; the line's own Timestamp is kept too.
"""

from __future__ import annotations

import json
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# Limits from the EMF specification (CloudWatch User Guide, "Embedded metric format").
MAX_METRICS_PER_DIRECTIVE = 100
MAX_DIMENSIONS_PER_SET = 30
MAX_VALUES_PER_METRIC = 100
UNITS = ("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
         "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
         "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
         "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
         "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None")  # fmt: skip
KEPT_POINTS = 100_000  # a long session keeps the newest points; memory stays flat
KEPT_REJECTIONS = 200


@dataclass(frozen=True)
class EmfPoint:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]  # sorted (name, value) pairs
    value: float
    unit: str
    at: float  # the Lab clock's time of the invocation that printed it
    function_name: str
    timestamp_ms: int  # _aws.Timestamp as written
    storage_resolution: int = 60


class EmfError(ValueError):
    """A line that has ``_aws`` but does not follow the specification."""


def parse_line(line: str) -> list[tuple[str, str, dict[str, str], list[float], str, int, int]]:
    """The metrics of one EMF line: (namespace, name, dimensions, values, unit, resolution,
    timestamp ms) per metric and dimension set. Raises :class:`EmfError` for a broken line."""
    try:
        document = json.loads(line)
    except ValueError:
        raise EmfError("not a JSON object on one line") from None
    if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
        raise EmfError("the root must be an object with an _aws member")
    meta = document["_aws"]
    timestamp = meta.get("Timestamp")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise EmfError(f"_aws.Timestamp must be milliseconds since the epoch (got {timestamp!r})")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        raise EmfError("_aws.CloudWatchMetrics must be an array of metric directives")
    found = []
    for number, directive in enumerate(directives):
        where = f"CloudWatchMetrics[{number}]"
        namespace, metrics, dimension_sets = _directive(directive, where)
        for dimension_set in dimension_sets:
            dimensions = {}
            for key in dimension_set:
                value = document.get(key)
                if not isinstance(value, str):
                    raise EmfError(
                        f"{where}: dimension {key!r} needs a string member (got {value!r})"
                    )
                dimensions[key] = value
            for metric in metrics:
                values = _values(document.get(metric["Name"]), metric["Name"], where)
                found.append((namespace, metric["Name"], dimensions, values,
                              metric.get("Unit", "None"), int(metric.get("StorageResolution", 60)),
                              timestamp))  # fmt: skip
    return found


def _directive(directive: object, where: str) -> tuple[str, list[dict[str, Any]], list[list[str]]]:
    if not isinstance(directive, dict):
        raise EmfError(f"{where}: must be an object")
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
        raise EmfError(f"{where}.Namespace: must be a string of 1 to 255 characters")
    if namespace.startswith("AWS/"):
        raise EmfError(f"{where}.Namespace: {namespace!r} is reserved for AWS services")
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list) or not metrics:
        raise EmfError(f"{where}.Metrics: must be a non-empty array")
    if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
        raise EmfError(
            f"{where}.Metrics: at most {MAX_METRICS_PER_DIRECTIVE} metrics (got {len(metrics)})"
        )
    for metric in metrics:
        if not isinstance(metric, dict) or not isinstance(metric.get("Name"), str):
            raise EmfError(f"{where}.Metrics: each metric needs a Name (got {metric!r})")
        unit = metric.get("Unit", "None")
        if unit not in UNITS:
            raise EmfError(f"{where}: unit {unit!r} of {metric['Name']} is not a CloudWatch unit")
        if metric.get("StorageResolution", 60) not in (1, 60):
            raise EmfError(f"{where}: StorageResolution of {metric['Name']} must be 1 or 60")
    dimension_sets = directive.get("Dimensions")
    if not isinstance(dimension_sets, list):
        raise EmfError(f"{where}.Dimensions: must be an array of dimension sets")
    for dimension_set in dimension_sets:
        if not isinstance(dimension_set, list) or not all(
            isinstance(k, str) for k in dimension_set
        ):
            raise EmfError(f"{where}.Dimensions: each set is an array of member names")
        if len(dimension_set) > MAX_DIMENSIONS_PER_SET:
            raise EmfError(
                f"{where}.Dimensions: at most {MAX_DIMENSIONS_PER_SET} dimensions in a set"
            )
    return namespace, metrics, dimension_sets or [[]]


def _values(value: object, name: str, where: str) -> list[float]:
    values = value if isinstance(value, list) else [value]
    if not values or len(values) > MAX_VALUES_PER_METRIC:
        raise EmfError(f"{where}: {name} needs 1 to {MAX_VALUES_PER_METRIC} values")
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
            raise EmfError(f"{where}: the value of {name} must be a number (got {item!r})")
    return [float(item) for item in values]  # type: ignore[arg-type]  # checked above


class EmfMetrics:
    """Custom metrics extracted from function output; thread-safe, bounded."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._points: deque[EmfPoint] = deque(maxlen=KEPT_POINTS)
        self.rejected: deque[tuple[str, str, str]] = deque(maxlen=KEPT_REJECTIONS)
        self._lock = threading.Lock()

    def ingest(self, function_name: str, output: str, at: float | None = None) -> int:
        """Read every EMF line of one invocation's output; returns how many points it made."""
        at = self._now() if at is None else at
        made: list[EmfPoint] = []
        for line in output.splitlines():
            if '"_aws"' not in line:
                continue  # most lines are plain logs: skip them before parsing
            try:
                metrics = parse_line(line.strip())
            except EmfError as exc:
                with self._lock:
                    self.rejected.append((function_name, str(exc), line[:200]))
                continue
            for namespace, name, dimensions, values, unit, resolution, stamp in metrics:
                pairs = tuple(sorted(dimensions.items()))
                made += [EmfPoint(namespace, name, pairs, value, unit, at, function_name, stamp,
                                  resolution) for value in values]  # fmt: skip
        with self._lock:
            self._points.extend(made)
        return len(made)

    def points(
        self,
        namespace: str,
        name: str,
        dimensions: dict[str, str] | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[EmfPoint]:
        """Points of one metric; ``dimensions`` must match the point's set exactly, as
        CloudWatch treats each combination of dimensions as its own metric."""
        wanted = None if dimensions is None else tuple(sorted(dimensions.items()))
        with self._lock:
            found = list(self._points)
        return [
            p for p in found
            if p.namespace == namespace and p.name == name
            and (wanted is None or p.dimensions == wanted)
            and (since is None or p.at >= since) and (until is None or p.at < until)
        ]  # fmt: skip

    def values(self, namespace: str, name: str, dimensions: dict[str, str] | None, start: float,
               end: float) -> list[float]:  # fmt: skip
        """The values in ``[start, end)``: what an alarm or a graph aggregates."""
        return [p.value for p in self.points(namespace, name, dimensions, start, end)]

    def list_metrics(self, namespace: str | None = None) -> list[dict[str, object]]:
        """One entry per metric and dimension combination, shaped like ListMetrics' answer."""
        with self._lock:
            found = list(self._points)
        seen: dict[tuple[str, str, tuple[tuple[str, str], ...]], None] = {}
        for p in found:
            if namespace is None or p.namespace == namespace:
                seen.setdefault((p.namespace, p.name, p.dimensions))
        return [
            {"Namespace": ns, "MetricName": name,
             "Dimensions": [{"Name": k, "Value": v} for k, v in dims]}
            for ns, name, dims in seen
        ]  # fmt: skip

    def __len__(self) -> int:
        return len(self._points)


def statistic(values: Iterable[float], name: str) -> float | None:
    """CloudWatch's statistics over one period's values (None when there is no data)."""
    data = sorted(values)
    if not data:
        return None
    if name == "Sum":
        return sum(data)
    if name == "Average":
        return sum(data) / len(data)
    if name == "Minimum":
        return data[0]
    if name == "Maximum":
        return data[-1]
    if name == "SampleCount":
        return float(len(data))
    if name.startswith("p") and name[1:].replace(".", "", 1).isdigit():
        rank = float(name[1:]) / 100.0
        return data[min(len(data) - 1, max(0, math.ceil(rank * len(data)) - 1))]
    raise ValueError(
        f"statistic must be Sum, Average, Minimum, Maximum, SampleCount or pNN (got {name!r})"
    )
