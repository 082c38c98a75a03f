"""Embedded Metric Format: JSON lines a function prints become custom metrics in the Lab,
broken lines are kept with the reason, and an alarm can watch the result."""

from __future__ import annotations

import json

import pytest

from lambda_lab.monitoring.emf import EmfError, parse_line, statistic

CHECKOUT = """import json, time

def handler(event, context):
    print("plain log line: not a metric")
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": "Shop",
            "Dimensions": [["Service"], ["Service", "Country"]],
            "Metrics": [{"Name": "OrderTotal", "Unit": "None"},
                        {"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1}]}]},
        "Service": "checkout", "Country": event["country"],
        "OrderTotal": event["total"], "Latency": [12, 15],
        "orderId": event["id"],  # not a metric, not a dimension: stays in the log only
    }))
    return "ok"
"""


def line(**changes: object) -> str:
    document: dict = {"_aws": {"Timestamp": 1767225600000, "CloudWatchMetrics": [
        {"Namespace": "Shop", "Dimensions": [["Service"]], "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
        "Service": "checkout", "Orders": 1}  # fmt: skip
    document.update(changes)
    return json.dumps(document)


def test_a_functions_emf_lines_become_metrics(lab) -> None:
    lab.deploy("checkout", CHECKOUT, handler="lambda_function.handler")
    lab.invoke("checkout", {"country": "FR", "total": 42.5, "id": "o-1"})
    lab.invoke("checkout", {"country": "DE", "total": 10, "id": "o-2"})
    by_service = lab.emf.points("Shop", "OrderTotal", {"Service": "checkout"})
    assert [p.value for p in by_service] == [42.5, 10.0]
    assert [
        p.value
        for p in lab.emf.points("Shop", "OrderTotal", {"Service": "checkout", "Country": "FR"})
    ] == [42.5]
    latency = lab.emf.points("Shop", "Latency", {"Service": "checkout"})
    assert [p.value for p in latency] == [12.0, 15.0, 12.0, 15.0]  # an array: one point per value
    assert {(p.unit, p.storage_resolution) for p in latency} == {("Milliseconds", 1)}
    assert latency[0].function_name == "checkout"
    assert latency[0].at == lab.records.for_function("checkout")[0].start  # the Lab clock's time
    metrics = lab.emf.list_metrics("Shop")
    assert {"Namespace": "Shop", "MetricName": "OrderTotal",
            "Dimensions": [{"Name": "Country", "Value": "DE"}, {"Name": "Service", "Value": "checkout"}]} in metrics  # fmt: skip
    assert len(metrics) == 2 * 3  # two metrics x (one Service set + two Service/Country sets)
    assert list(lab.emf.rejected) == []
    assert '"orderId": "o-1"' in lab.logs.tail("checkout")  # the line itself stays in the log


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not a JSON object"),
        (line(_aws={"CloudWatchMetrics": []}), "_aws.Timestamp must be milliseconds"),
        (line(_aws={"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "AWS/Lambda", "Dimensions": [],
                                                           "Metrics": [{"Name": "Orders"}]}]}), "reserved for AWS"),
        (line(Service=None), "dimension 'Service' needs a string member"),
        (line(Orders="seven"), "the value of Orders must be a number"),
        (line(_aws={"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "Shop", "Dimensions": [],
                                                           "Metrics": [{"Name": "Orders", "Unit": "Apples"}]}]}),
         "'Apples' of Orders is not a CloudWatch unit"),
    ],
)  # fmt: skip
def test_lines_that_break_the_specification_say_why(text: str, reason: str) -> None:
    with pytest.raises(EmfError, match=reason):
        parse_line(text)


def test_broken_lines_are_kept_with_their_reason(lab) -> None:
    bad = json.dumps(json.loads(line(Orders="many")))
    lab.deploy(
        "counter",
        f"def handler(event, context):\n    print({bad!r})\n",
        handler="lambda_function.handler",
    )
    lab.invoke("counter", {})
    assert lab.emf.points("Shop", "Orders") == []
    ((function, reason, text),) = lab.emf.rejected
    assert function == "counter" and "must be a number" in reason and text.startswith('{"_aws"')


def test_statistics_are_cloudwatchs() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert [statistic(values, s) for s in ("Sum", "Average", "Minimum", "Maximum", "SampleCount")] == [
        20.0, 4.0, 1.0, 10.0, 5.0]  # fmt: skip
    assert statistic(values, "p50") == 3.0 and statistic(values, "p99") == 10.0
    assert statistic([], "Sum") is None
    with pytest.raises(ValueError, match="statistic must be"):
        statistic(values, "Median")


def test_an_alarm_watches_a_custom_metric(virtual_lab) -> None:
    lab = virtual_lab
    lab.deploy("checkout", CHECKOUT, handler="lambda_function.handler")
    lab.alarms.put("big-orders", {"Namespace": "Shop", "MetricName": "OrderTotal", "Statistic": "Maximum",
                                  "Period": 60, "EvaluationPeriods": 1, "Threshold": 100,
                                  "ComparisonOperator": "GreaterThanThreshold",
                                  "Dimensions": [{"Name": "Service", "Value": "checkout"}]})  # fmt: skip
    lab.invoke("checkout", {"country": "FR", "total": 40, "id": "o-1"})
    lab.clock.advance(seconds=30)
    assert lab.alarms.evaluate("big-orders") == "OK"
    lab.invoke("checkout", {"country": "FR", "total": 250, "id": "o-2"})
    lab.clock.advance(seconds=30)
    assert lab.alarms.evaluate("big-orders") == "ALARM"
    assert "[250.0]" in lab.alarms.get("big-orders").state_reason
