"""EventBridge through the real events client: schedules on a virtual clock, validation, routing."""

from __future__ import annotations

import datetime
import json

import pytest
from runtime_helpers import ECHO, make_queue, receive_all

from lambda_lab import Lab
from lambda_lab.clock import VirtualClock

UTC = datetime.timezone.utc
MONDAY = datetime.datetime(2024, 1, 1, tzinfo=UTC)  # 1 January 2024 was a Monday


@pytest.fixture
def monday_lab():
    with Lab(clock=VirtualClock(start=MONDAY.timestamp())) as lab:
        yield lab


def _schedule(lab, name, expression, function="cron", **target):
    function_arn = (
        lab.deploy(function, ECHO)["FunctionArn"]
        if function not in lab.functions
        else (lab.functions.get(function).arn)
    )
    events = lab.client("events")
    events.put_rule(Name=name, ScheduleExpression=expression)
    events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": function_arn, **target}])


def _fire_times(lab, function):
    return [
        datetime.datetime.fromtimestamp(r.start, UTC) for r in lab.records.for_function(function)
    ]


def test_rate_one_hour_fires_24_times_over_a_virtual_day(monday_lab):
    lab = monday_lab
    _schedule(lab, "hourly", "rate(1 hour)")
    lab.clock.advance(days=1)
    times = _fire_times(lab, "cron")
    assert len(times) == 24
    assert times[0] == MONDAY + datetime.timedelta(
        hours=1
    )  # a rate counts from the rule's creation
    assert times[-1] == MONDAY + datetime.timedelta(days=1)
    assert all(r.invocation_type == "Event" for r in lab.records)  # schedules invoke asynchronously


def test_cron_fires_on_mondays_at_ten_only(monday_lab):
    lab = monday_lab
    _schedule(lab, "weekly", "cron(0 10 ? * MON *)")
    lab.clock.advance(days=21)
    times = _fire_times(lab, "cron")
    assert times == [MONDAY + datetime.timedelta(days=d, hours=10) for d in (0, 7, 14)]
    assert {t.strftime("%A %H:%M:%S") for t in times} == {"Monday 10:00:00"}


def test_disabling_and_deleting_a_rule_stops_its_schedule(monday_lab):
    lab = monday_lab
    _schedule(lab, "minutely", "rate(1 minute)")
    events = lab.client("events")
    lab.clock.advance(minutes=3)
    events.disable_rule(Name="minutely")
    lab.clock.advance(minutes=3)
    events.enable_rule(Name="minutely")
    lab.clock.advance(minutes=2)
    events.remove_targets(Rule="minutely", Ids=["1"])
    events.delete_rule(Name="minutely")
    lab.clock.advance(minutes=5)
    assert len(_fire_times(lab, "cron")) == 5  # 3 before, none while disabled, 2 after


@pytest.mark.parametrize(
    "expression",
    ["rate(5 hour)", "rate(1 hours)", "rate(0 minutes)", "rate(2 weeks)", "cron(0 10 * * MON *)",
     "cron(0 10 ? * MON)", "cron(61 10 ? * MON *)", "cron(0 10 ? * 3#1,6#3 *)", "every hour"],
)  # fmt: skip
def test_invalid_schedule_expressions_get_the_validation_error(virtual_lab, expression):
    events = virtual_lab.client("events")
    with pytest.raises(events.exceptions.ClientError) as caught:
        events.put_rule(Name="bad", ScheduleExpression=expression)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("Parameter ScheduleExpression is not valid.")
    assert events.list_rules()["Rules"] == []  # nothing was stored


def test_invalid_event_patterns_are_refused(virtual_lab):
    events = virtual_lab.client("events")
    with pytest.raises(events.exceptions.InvalidEventPatternException):
        events.put_rule(Name="bad", EventPattern=json.dumps({"source": "not-an-array"}))
    with pytest.raises(events.exceptions.ClientError, match="only on the default event bus"):
        events.create_event_bus(Name="orders")
        events.put_rule(Name="bad", EventBusName="orders", ScheduleExpression="rate(1 minute)")


def test_put_events_routes_matching_events_to_lambda_sqs_and_other_buses(virtual_lab):
    lab = virtual_lab
    events = lab.client("events")
    function_arn = lab.deploy("big-orders", ECHO)["FunctionArn"]
    url, queue_arn = make_queue(lab, "audit")
    events.create_event_bus(Name="archive")
    archive_url, archive_queue = make_queue(lab, "archive-copy")
    events.put_rule(
        Name="everything",
        EventBusName="archive",
        EventPattern=json.dumps({"source": [{"prefix": ""}]}),
    )
    events.put_targets(
        Rule="everything", EventBusName="archive", Targets=[{"Id": "q", "Arn": archive_queue}]
    )
    pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}
    events.put_rule(Name="big", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="big", Targets=[
        {"Id": "fn", "Arn": function_arn, "InputPath": "$.detail"},
        {"Id": "q", "Arn": queue_arn, "InputTransformer": {
            "InputPathsMap": {"total": "$.detail.total", "kind": "$.detail-type"},
            "InputTemplate": '{"order total": <total>, "kind": "<kind>"}'}},
        {"Id": "bus", "Arn": "arn:aws:events:us-east-1:123456789012:event-bus/archive"},
    ])  # fmt: skip
    answer = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"total": 150})},
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"total": 5})},
        {"Source": "shop", "DetailType": "order"},
    ])  # fmt: skip
    assert answer["FailedEntryCount"] == 1
    assert "EventId" in answer["Entries"][0] and "EventId" in answer["Entries"][1]
    assert answer["Entries"][2]["ErrorCode"] == "InvalidArgument"
    lab.clock.run_until_idle()
    (event,) = lab.async_queue.events("big-orders")
    assert json.loads(event.payload) == {"total": 150} and event.source == "events"
    (message,) = receive_all(lab, url)
    assert json.loads(message["Body"]) == {"order total": 150, "kind": "order"}
    (copied,) = receive_all(lab, archive_url)
    assert json.loads(copied["Body"])["detail"] == {"total": 150}
