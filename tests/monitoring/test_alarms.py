"""CloudWatch-style alarms over the Lab's Lambda metrics: periods, statistics, M out of N,
missing data, and definitions checked with clear errors."""

from __future__ import annotations

import pytest
from runtime_helpers import FLAKY, minute_of_calls

from lambda_lab.monitoring.alarms import AlarmError


def errors_alarm(**changes: object) -> dict:
    spec = {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 3, "DatapointsToAlarm": 2, "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Dimensions": [{"Name": "FunctionName", "Value": "flaky"}]}  # fmt: skip
    spec.update(changes)
    return spec


def minute(lab, failures: int, successes: int = 1) -> None:
    minute_of_calls(lab, failures, successes)


def test_m_out_of_n_periods_must_breach(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("flaky", FLAKY, handler="lambda_function.handler")
    lab.alarms.put("flaky-errors", errors_alarm())
    assert lab.alarms.evaluate("flaky-errors") == "INSUFFICIENT_DATA"
    minute(lab, 1)
    minute(lab, 0)
    assert lab.alarms.datapoints(lab.alarms.get("flaky-errors")) == [None, 1.0, 0.0]
    assert lab.alarms.evaluate("flaky-errors") == "OK"  # one breach of two needed
    minute(lab, 3)
    assert lab.alarms.evaluate("flaky-errors") == "ALARM"
    reason = lab.alarms.get("flaky-errors").state_reason
    assert reason.startswith("Threshold Crossed: 2 out of the last 3 datapoints [1.0, 0.0, 3.0]")
    assert [state for _, state, _ in lab.alarms.get("flaky-errors").history] == ["OK", "ALARM"]


def test_missing_data_follows_treat_missing_data(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("flaky", FLAKY, handler="lambda_function.handler")
    for treat, expected in (("missing", "INSUFFICIENT_DATA"), ("notBreaching", "OK"),
                            ("breaching", "ALARM"), ("ignore", "INSUFFICIENT_DATA")):  # fmt: skip
        lab.alarms.put(treat, errors_alarm(TreatMissingData=treat))
        assert lab.alarms.evaluate(treat) == expected, treat


def test_error_rate_and_duration_come_from_the_records(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("flaky", FLAKY, handler="lambda_function.handler")
    lab.alarms.put("rate", errors_alarm(Statistic="Average", Threshold=0.5, EvaluationPeriods=1,
                                        DatapointsToAlarm=1))  # fmt: skip
    lab.alarms.put("slow", errors_alarm(MetricName="Duration", Statistic="Maximum", Threshold=60000,
                                        EvaluationPeriods=1, DatapointsToAlarm=1))  # fmt: skip
    minute(lab, 3, successes=1)
    assert lab.alarms.evaluate("rate") == "ALARM"  # 3 of 4 calls failed: 0.75 >= 0.5
    assert lab.alarms.evaluate("slow") == "OK"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"MetricName": "ConcurrentExecutions"},
            "the Lab evaluates AWS/Lambda Errors, Invocations, Duration",
        ),
        ({"ComparisonOperator": "Bigger"}, "ComparisonOperator: one of GreaterThanThreshold"),
        ({"TreatMissingData": "maybe"}, "TreatMissingData: one of missing"),
        ({"Period": 45}, "Period: 10, 30 or a multiple of 60"),
        ({"DatapointsToAlarm": 5}, "DatapointsToAlarm: 1 to EvaluationPeriods"),
        ({"Metrics": []}, "Metrics or a single metric"),
    ],
)
def test_definitions_are_checked(lab, changes, message) -> None:
    with pytest.raises(AlarmError, match=message):
        lab.alarms.put("bad", errors_alarm(**changes), where="Resources.Bad")
    with pytest.raises(KeyError, match="no alarm named 'bad'"):
        lab.alarms.get("bad")
