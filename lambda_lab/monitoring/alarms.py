"""CloudWatch-style metric alarms over the Lab's metrics, evaluated on the Lab's clock.

An alarm watches one metric (``AWS/Lambda`` Errors, Invocations or Duration from the
invocation records, or a custom metric a function wrote as EMF), aggregates it per period
with a statistic, and compares each period's value with a threshold; or it watches a metric
math expression over several such metrics (``Metrics``, :mod:`metric_math`), such as an error
rate, ``100 * errors / invocations``. It is in ``ALARM`` when
``DatapointsToAlarm`` of the last ``EvaluationPeriods`` periods breach, ``OK`` when they do
not, and ``INSUFFICIENT_DATA`` when too few periods have data (``TreatMissingData`` decides
what an empty period counts as). CodeDeploy watches alarms like these to roll back.

Alarms are evaluated when asked (:meth:`Alarms.evaluate`); a deployment asks every minute
while it runs, as CloudWatch would have evaluated them all along. In the Lab the
``Resource`` dimension of Lambda metrics (``name:alias``) counts every invocation of a
published version, because invocation records do not keep the alias they came through.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from lambda_lab import limits
from lambda_lab.monitoring import metric_math, metrics
from lambda_lab.monitoring.emf import EmfMetrics, statistic
from lambda_lab.monitoring.records import InvocationRecord

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
LAMBDA_NAMESPACE = "AWS/Lambda"
FROM_RECORDS = ("Errors", "Invocations", "Duration")
LAMBDA_METRICS = (*FROM_RECORDS, *metrics.NAMES)  # the rest are lab.metrics' data points
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
MISSING = ("missing", "notBreaching", "breaching", "ignore")
_FAILED = ("error", "timeout", "out_of_memory", "crash")
_PROPERTIES = ("AlarmName", "AlarmDescription", "MetricName", "Namespace", "Dimensions",
               "Statistic", "ExtendedStatistic", "Period", "EvaluationPeriods",
               "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
               "Unit", "ActionsEnabled", "Metrics")  # fmt: skip


@dataclass
class Alarm:
    name: str
    metric_name: str
    namespace: str
    dimensions: dict[str, str]
    statistic: str
    period_s: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: str
    treat_missing: str = "missing"
    description: str = ""
    region: str = limits.DEFAULT_REGION
    state: str = INSUFFICIENT_DATA
    state_reason: str = "Unchecked: Initial alarm creation"
    history: list[tuple[float, str, str]] = field(default_factory=list)  # (at, new state, why)
    math: metric_math.MetricMath | None = None  # a metric math alarm's metrics and expressions

    @property
    def arn(self) -> str:
        return f"arn:aws:cloudwatch:{self.region}:{limits.ACCOUNT_ID}:alarm:{self.name}"


class AlarmError(ValueError):
    """An alarm definition the Lab cannot evaluate, named with what was expected."""


class Alarms:
    """The Lab's alarms by name; thread-safe."""

    def __init__(
        self,
        now: Callable[[], float],
        records: Callable[[str | None], list[InvocationRecord]],
        custom: EmfMetrics | None = None,
        region: str = limits.DEFAULT_REGION,
        points: Callable[[str, str | None], list[tuple[float, float]]] | None = None,
    ) -> None:
        self._now = now
        self._records = records
        self._points = points
        self._custom = custom
        self._region = region
        self._alarms: dict[str, Alarm] = {}
        self._lock = threading.Lock()

    # -- definitions --------------------------------------------------------------------------
    def put(
        self,
        name: str,
        spec: dict[str, Any],
        *,
        where: str = "alarm",
        note: Callable[[str], None] | None = None,
    ) -> Alarm:
        """Create or replace an alarm from AWS::CloudWatch::Alarm (PutMetricAlarm) properties."""
        for key in spec:
            if key not in _PROPERTIES and note is not None:
                note(f"{where}.{key}: alarm actions and this setting are not part of the Lab")
        math = self._math(spec, where) if "Metrics" in spec else None
        one_metric = () if math else ("MetricName", "Namespace")
        for required in (*one_metric, "Threshold", "ComparisonOperator", "EvaluationPeriods"):
            if required not in spec:
                raise AlarmError(f"{where}: needs {required}")
        namespace, metric = str(spec.get("Namespace", "")), str(spec.get("MetricName", ""))
        if math is None:
            self._check_metric(namespace, metric, where)
        comparison = str(spec["ComparisonOperator"])
        if comparison not in COMPARISONS:
            raise AlarmError(
                f"{where}.ComparisonOperator: one of {', '.join(COMPARISONS)} (got {comparison!r})"
            )
        treat = str(spec.get("TreatMissingData", "missing"))
        if treat not in MISSING:
            raise AlarmError(
                f"{where}.TreatMissingData: one of {', '.join(MISSING)} (got {treat!r})"
            )
        chosen = str(spec.get("ExtendedStatistic") or spec.get("Statistic") or "Average")
        statistic([1.0], chosen)  # raises ValueError for an unknown statistic
        periods = int(spec["EvaluationPeriods"])
        alarm = Alarm(
            name=name, metric_name=metric, namespace=namespace,
            dimensions={str(d["Name"]): str(d["Value"]) for d in spec.get("Dimensions") or []},
            statistic="" if math else chosen, evaluation_periods=periods,
            period_s=math.period_s if math else int(spec.get("Period", 60)), math=math,
            datapoints_to_alarm=int(spec.get("DatapointsToAlarm", periods)),
            threshold=float(spec["Threshold"]), comparison=comparison, treat_missing=treat,
            description=str(spec.get("AlarmDescription", "")), region=self._region,
        )  # fmt: skip
        if alarm.period_s not in (10, 30) and (alarm.period_s < 60 or alarm.period_s % 60):
            raise AlarmError(
                f"{where}{'.Metrics' if math else ''}.Period: 10, 30 or a multiple of 60 "
                f"(got {alarm.period_s})"
            )
        if not 1 <= alarm.datapoints_to_alarm <= periods:
            raise AlarmError(f"{where}.DatapointsToAlarm: 1 to EvaluationPeriods ({periods})")
        with self._lock:
            self._alarms[name] = alarm
        return alarm

    def _math(self, spec: dict[str, Any], where: str) -> metric_math.MetricMath:
        """A metric math alarm's Metrics, each metric one the Lab can evaluate."""
        exclusive = [key for key in ("MetricName", "Namespace", "Statistic",
                                     "ExtendedStatistic", "Dimensions", "Period") if key in spec]  # fmt: skip
        if exclusive:  # UNCONFIRMED wording; AWS refuses both forms in one alarm
            raise AlarmError(
                f"{where}: Metrics or a single metric ({', '.join(exclusive)}), not both"
            )
        try:
            math = metric_math.parse(spec["Metrics"], f"{where}.Metrics")
            for stat in math.stats.values():
                statistic([1.0], stat.stat)  # raises ValueError for an unknown statistic
        except ValueError as error:
            raise AlarmError(str(error)) from None
        for stat in math.stats.values():
            self._check_metric(stat.namespace, stat.metric_name, f"{where}.Metrics {stat.id}")
        return math

    def _check_metric(self, namespace: str, metric: str, where: str) -> None:
        if namespace == LAMBDA_NAMESPACE and metric not in LAMBDA_METRICS:
            raise AlarmError(
                f"{where}: the Lab evaluates AWS/Lambda {', '.join(LAMBDA_METRICS)} (got {metric!r})"
            )
        if namespace != LAMBDA_NAMESPACE and self._custom is None:
            raise AlarmError(f"{where}: custom metrics need the Lab's EMF metrics")

    def get(self, name: str) -> Alarm:
        with self._lock:
            found = self._alarms.get(name)
        if found is None:
            raise KeyError(f"no alarm named {name!r}; the Lab has {sorted(self._alarms)}")
        return found

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._alarms)

    # -- evaluation ---------------------------------------------------------------------------
    def datapoints(self, alarm: Alarm, now: float | None = None) -> list[float | None]:
        """The statistic of each of the last EvaluationPeriods periods, oldest first."""
        now = self._now() if now is None else now
        found: list[float | None] = []
        for back in range(alarm.evaluation_periods, 0, -1):
            start, end = now - back * alarm.period_s, now - (back - 1) * alarm.period_s
            if alarm.math is None:
                found.append(statistic(self._values(alarm, start, end), alarm.statistic))
            else:
                found.append(alarm.math.value(partial(self._stat, start=start, end=end)))
        return found

    def evaluate(self, name: str, now: float | None = None) -> str:
        """The alarm's state now; a change is kept in its history with the reason."""
        alarm = self.get(name)
        now = self._now() if now is None else now
        points = self.datapoints(alarm, now)
        breaching_check = COMPARISONS[alarm.comparison]
        verdicts: list[bool | None] = []
        for value in points:
            if value is not None:
                verdicts.append(breaching_check(value, alarm.threshold))
            elif alarm.treat_missing == "breaching":
                verdicts.append(True)
            elif alarm.treat_missing == "notBreaching":
                verdicts.append(False)
            else:
                verdicts.append(None)
        known = [v for v in verdicts if v is not None]
        breaches = sum(known)
        if breaches >= alarm.datapoints_to_alarm:
            state = ALARM
        elif not known:
            state = alarm.state if alarm.treat_missing == "ignore" else INSUFFICIENT_DATA
        else:
            state = OK
        if state != alarm.state:
            shown = [None if v is None else round(v, 3) for v in points]
            reason = (f"Threshold Crossed: {breaches} out of the last {alarm.evaluation_periods} "
                      f"datapoints {shown} were {_words(alarm.comparison)} the threshold "
                      f"({alarm.threshold:g})")  # fmt: skip
            with self._lock:
                alarm.state, alarm.state_reason = state, reason
                alarm.history.append((now, state, reason))
        return alarm.state

    def _stat(self, stat: metric_math.MetricStat, start: float, end: float) -> float | None:
        return statistic(self._values(stat, start, end), stat.stat)

    def _values(
        self, metric: Alarm | metric_math.MetricStat, start: float, end: float
    ) -> list[float]:
        """One metric's values in [start, end): ``metric`` is the alarm's own or one of its
        MetricStats (namespace, metric_name and dimensions)."""
        if metric.namespace != LAMBDA_NAMESPACE:
            assert self._custom is not None
            return self._custom.values(
                metric.namespace, metric.metric_name, metric.dimensions or None, start, end
            )
        dims = metric.dimensions
        function = dims.get("FunctionName") or dims.get("Resource", "").split(":")[0] or None
        if metric.metric_name not in FROM_RECORDS:  # (data points know only their function)
            found = self._points(metric.metric_name, function) if self._points else []
            return [value for at, value in found if start <= at < end]
        resource = dims.get("Resource", "")
        version = dims.get("ExecutedVersion")
        chosen = [
            r for r in self._records(function)
            if start <= r.start < end and r.outcome != "throttled"
            and (version is None or r.version == version)
            and (":" not in resource or r.version != "$LATEST")
        ]  # fmt: skip
        if not chosen:
            return []  # Lambda publishes no data point for a period without invocations
        if metric.metric_name == "Errors":
            return [1.0 if r.outcome in _FAILED else 0.0 for r in chosen]
        if metric.metric_name == "Invocations":
            return [1.0 for _ in chosen]
        return [r.duration_ms for r in chosen]


def _words(comparison: str) -> str:
    return {"GreaterThanThreshold": "greater than", "GreaterThanOrEqualToThreshold":
            "greater than or equal to", "LessThanThreshold": "less than",
            "LessThanOrEqualToThreshold": "less than or equal to"}[comparison]  # fmt: skip
