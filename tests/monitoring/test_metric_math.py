"""Metric math alarms: an error rate from Errors and Invocations, the expression subset the Lab
evaluates, periods without data, and Metrics lists checked as PutMetricAlarm checks them."""

from __future__ import annotations

import pytest
from runtime_helpers import FLAKY, minute_of_calls

from lambda_lab.monitoring.alarms import AlarmError
from lambda_lab.monitoring.metric_math import MathError, parse


def lambda_stat(item_id: str, metric: str, **changes: object) -> dict:
    stat = {"Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                       "Dimensions": [{"Name": "FunctionName", "Value": "flaky"}]},
            "Period": 60, "Stat": "Sum"}  # fmt: skip
    return {"Id": item_id, "MetricStat": stat, "ReturnData": False, **changes}


def rate_alarm(expression: str = "100 * errors / calls", **changes: object) -> dict:
    spec = {
        "Metrics": [lambda_stat("errors", "Errors"), lambda_stat("calls", "Invocations"),
                    {"Id": "rate", "Expression": expression, "Label": "error rate (%)"}],
        "EvaluationPeriods": 1, "Threshold": 10, "ComparisonOperator": "GreaterThanThreshold",
    }  # fmt: skip
    spec.update(changes)
    return spec


minute = minute_of_calls


def test_a_rate_alarm_follows_the_share_of_errors_not_their_number(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("flaky", FLAKY, handler="lambda_function.handler")
    lab.alarms.put("rate", rate_alarm())
    lab.alarms.put("count", {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
                             "Period": 60, "EvaluationPeriods": 1, "Threshold": 3,
                             "ComparisonOperator": "GreaterThanThreshold",
                             "Dimensions": [{"Name": "FunctionName", "Value": "flaky"}]})  # fmt: skip
    minute(lab, failures=2, successes=3)  # quiet traffic, 40 % failing
    assert lab.alarms.datapoints(lab.alarms.get("rate")) == [40.0]
    assert (lab.alarms.evaluate("rate"), lab.alarms.evaluate("count")) == ("ALARM", "OK")
    minute(lab, failures=4, successes=96)  # busy traffic, 4 % failing
    assert lab.alarms.datapoints(lab.alarms.get("rate")) == [4.0]
    assert (lab.alarms.evaluate("rate"), lab.alarms.evaluate("count")) == ("OK", "ALARM")
    reason = lab.alarms.get("rate").state_reason
    assert reason.startswith("Threshold Crossed: 0 out of the last 1 datapoints [4.0]")


def test_periods_without_data_give_no_value_unless_filled(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("flaky", FLAKY, handler="lambda_function.handler")
    lab.alarms.put("plain", rate_alarm(EvaluationPeriods=2))
    lab.alarms.put("filled", rate_alarm("FILL(errors, 0) * 1 + ABS(-2) - 2", EvaluationPeriods=2))
    lab.clock.advance(minutes=1)  # nobody called
    minute(lab, failures=1, successes=1)
    assert lab.alarms.datapoints(lab.alarms.get("plain")) == [None, 50.0]
    assert lab.alarms.datapoints(lab.alarms.get("filled")) == [0.0, 1.0]


def test_expressions_may_use_other_expressions_and_constants() -> None:
    math = parse([
        lambda_stat("errors", "Errors"), lambda_stat("calls", "Invocations"),
        {"Id": "share", "Expression": "errors / calls", "ReturnData": False},
        {"Id": "pct", "Expression": "-(-share * (50 + 50))"},
    ])  # fmt: skip
    values = {"errors": 3.0, "calls": 12.0}
    assert math.returned == "pct" and math.period_s == 60
    assert math.value(lambda stat: values[stat.id]) == 25.0
    assert math.value(lambda stat: {"errors": 1.0, "calls": 0.0}[stat.id]) is None  # x / 0


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        (
            [
                lambda_stat("errors", "Errors"),
                lambda_stat("calls", "Invocations"),
                {"Id": "rate", "Expression": "errors / calls", "ReturnData": False},
            ],
            "exactly one item returns data.*true here: none",
        ),
        (
            [
                lambda_stat("errors", "Errors", ReturnData=True),
                {"Id": "rate", "Expression": "errors"},
            ],
            "exactly one item returns data.*true here: errors, rate",
        ),
        (
            [lambda_stat("Errors", "Errors"), {"Id": "e1", "Expression": "Errors"}],
            r"Metrics\[0\]\.Id: a lowercase letter",
        ),
        (
            [lambda_stat("errors", "Errors"), {"Id": "rate", "Expression": "errors / calls"}],
            "no item with Id 'calls'",
        ),
        (
            [lambda_stat("errors", "Errors"), {"Id": "rate", "Expression": "errors * rate"}],
            "depends on itself",
        ),
        (
            [lambda_stat("errors", "Errors"), {"Id": "rate", "Expression": "errors *"}],
            "expected a number, an id or \\( after the last operator",
        ),
        (
            [lambda_stat("errors", "Errors"), {"Id": "rate", "Expression": "RATE(errors)"}],
            "functions the Lab evaluates \\(ABS, FILL\\), not RATE",
        ),
        (
            [lambda_stat("errors", "Errors"), {"Id": "rate", "Expression": "FILL(errors, REPEAT)"}],
            "FILL\\(x, value\\) with a number",
        ),
        (
            [lambda_stat("errors", "Errors"), lambda_stat("calls", "Invocations", Expression="1")],
            r"Metrics\[1\]: exactly one of MetricStat and Expression",
        ),
        ([{"Id": "rate", "Expression": "1 + 1"}], "at least one MetricStat"),
    ],
)
def test_metrics_lists_are_checked(metrics, message) -> None:
    with pytest.raises(MathError, match=message):
        parse(metrics)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"MetricName": "Errors"}, "Metrics or a single metric \\(MetricName\\), not both"),
        (
            {
                "Metrics": [
                    lambda_stat("busy", "ConcurrentExecutions"),
                    {"Id": "e", "Expression": "busy"},
                ]
            },
            "Resources.Bad.Metrics busy: the Lab evaluates AWS/Lambda Errors",
        ),
        (
            {"Metrics": [lambda_stat("errors", "Errors", MetricStat={"Metric": {}})]},
            r"Metrics\[0\]\.MetricStat: Metric with Namespace and MetricName",
        ),
        ({"Metrics": "errors"}, "a list of 1 to 20 MetricDataQuery items"),
    ],
)
def test_alarm_definitions_with_metrics_are_checked(lab, changes, message) -> None:
    with pytest.raises(AlarmError, match=message):
        lab.alarms.put("bad", rate_alarm(**changes), where="Resources.Bad")
