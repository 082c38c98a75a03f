"""Asynchronous invocation: the lectures' DLQ hands-on, retries, event age, throttles, payload limit."""

from __future__ import annotations

import json
import time

import pytest
from runtime_helpers import ECHO, FAILS, make_queue, receive_all

from lambda_lab import limits
from lambda_lab.invocation.asynchronous import journey as steps
from lambda_lab.monitoring import metrics


def test_dlq_hands_on_three_attempts_then_the_event_in_the_sqs_dlq(virtual_lab):
    lab = virtual_lab
    dlq_url, dlq_arn = make_queue(lab, "lambda-dlq")
    lab.deploy("lambda-alb", FAILS, DeadLetterConfig={"TargetArn": dlq_arn})
    client = lab.client("lambda")

    answer = client.invoke(
        FunctionName="lambda-alb", InvocationType="Event", Payload=b'{"key1": "value1"}'
    )
    assert answer["StatusCode"] == 202
    assert answer["Payload"].read() == b""
    (event,) = lab.async_queue.events("lambda-alb")
    assert not event.done and event.attempts == 0  # 202 came back before any attempt

    lab.clock.run_until_idle()

    assert event.attempt_times == [0.0, 60.0, 180.0]  # at 0, +1 min, +3 min of virtual time
    records = lab.records.for_function("lambda-alb")
    assert [r.invocation_type for r in records] == ["Event"] * 3
    assert {r.request_id for r in records} == {event.request_id}  # retries keep the request id
    assert event.condition == "RetriesExhausted"
    (message,) = receive_all(lab, dlq_url)
    assert json.loads(message["Body"]) == {"key1": "value1"}  # the event as it was sent
    attributes = message["MessageAttributes"]
    assert attributes["RequestID"] == {"DataType": "String", "StringValue": event.request_id}
    assert attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert attributes["ErrorMessage"] == {"DataType": "String", "StringValue": "boom"}
    assert lab.metrics.total(metrics.ASYNC_EVENTS_RECEIVED, "lambda-alb") == 1
    assert lab.metrics.total(metrics.ASYNC_EVENTS_DROPPED, "lambda-alb") == 1


def test_nothing_happens_between_cells_until_the_virtual_clock_moves(virtual_lab):
    lab = virtual_lab
    lab.deploy("fails", FAILS)
    answer = lab.invoke_async("fails", {"n": 1})
    event = lab.async_queue.journey(answer["RequestId"])
    lab.clock.advance(seconds=0)
    assert event.attempts == 1
    lab.clock.advance(seconds=59)
    assert event.attempts == 1  # the second attempt waits a full minute
    lab.clock.advance(seconds=1)
    assert event.attempts == 2
    lab.clock.advance(seconds=119)
    assert event.attempts == 2
    lab.clock.advance(seconds=1)
    assert event.attempts == 3 and event.done
    assert [s.kind for s in event.steps][-1] == steps.DROPPED  # no DLQ, no destination: dropped


def test_dlq_on_an_sns_topic_carries_the_same_attributes(virtual_lab):
    lab = virtual_lab
    sns = lab.client("sns")
    topic = sns.create_topic(Name="failed-events")["TopicArn"]
    inbox_url, inbox_arn = make_queue(lab, "inbox")
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=inbox_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    lab.deploy("fails", FAILS, DeadLetterConfig={"TargetArn": topic})
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0
    )
    lab.invoke_async("fails", {"order": 7})
    lab.clock.run_until_idle()
    (message,) = receive_all(lab, inbox_url)
    assert json.loads(message["Body"]) == {"order": 7}
    assert set(message["MessageAttributes"]) == {"RequestID", "ErrorCode", "ErrorMessage"}
    assert len(lab.records.for_function("fails")) == 1  # MaximumRetryAttempts=0: one attempt only


def test_error_message_is_cut_to_one_kilobyte(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "dlq")
    lab.deploy(
        "long",
        "def lambda_handler(event, context):\n    raise ValueError('é' * 3000)\n",
        DeadLetterConfig={"TargetArn": arn},
    )
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="long", MaximumRetryAttempts=0
    )
    lab.invoke_async("long", {})
    lab.clock.run_until_idle()
    (message,) = receive_all(lab, url)
    text = message["MessageAttributes"]["ErrorMessage"]["StringValue"]
    assert len(text.encode()) <= limits.DLQ_ERROR_MESSAGE_MAX_BYTES and text == "é" * 512


def test_a_missing_dlq_counts_dead_letter_errors(virtual_lab):
    lab = virtual_lab
    lab.deploy(
        "fails", FAILS, DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:gone"}
    )
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="fails", MaximumRetryAttempts=0
    )
    lab.invoke_async("fails", {})
    lab.clock.run_until_idle()
    (event,) = lab.async_queue.events("fails")
    assert event.steps[-1].kind == steps.DELIVERY_FAILED
    assert lab.metrics.total(metrics.DEAD_LETTER_ERRORS, "fails") == 1


def test_events_older_than_the_maximum_age_are_not_retried(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "dlq")
    lab.deploy("fails", FAILS, DeadLetterConfig={"TargetArn": arn})
    lab.client("lambda").put_function_event_invoke_config(
        FunctionName="fails", MaximumEventAgeInSeconds=100
    )
    lab.invoke_async("fails", {})
    lab.clock.run_until_idle()
    (event,) = lab.async_queue.events("fails")
    assert event.attempt_times == [0.0, 60.0]  # the third attempt (+180 s) would be too old
    assert event.condition == "EventAgeExceeded"
    assert event.steps[-2].at - event.received_at == 100  # given up exactly at the maximum age
    assert len(receive_all(lab, url)) == 1


def test_reserved_concurrency_zero_sends_events_straight_to_the_dlq(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "dlq")
    lab.deploy("off", ECHO, DeadLetterConfig={"TargetArn": arn})
    lab.client("lambda").put_function_concurrency(
        FunctionName="off", ReservedConcurrentExecutions=0
    )
    lab.invoke_async("off", {"a": 1})
    lab.clock.run_until_idle()
    assert lab.records.for_function("off") == []  # never attempted
    (message,) = receive_all(lab, url)
    assert message["MessageAttributes"]["ErrorCode"]["StringValue"] == "429"


def test_throttled_events_are_kept_and_retried_with_growing_waits(virtual_lab):
    lab = virtual_lab
    lab.deploy("busy", ECHO)
    lab.client("lambda").put_function_concurrency(
        FunctionName="busy", ReservedConcurrentExecutions=1
    )
    config = lab.functions.get("busy")
    held = lab.concurrency.admit(config, "$LATEST")  # something else holds the only slot
    lab.invoke_async("busy", {"a": 1})
    lab.clock.advance(seconds=10)
    (event,) = lab.async_queue.events("busy")
    throttles = [s.at - event.received_at for s in event.steps if s.kind == steps.THROTTLED]
    assert throttles == [0, 1, 3, 7]  # waits of 1, 2, 4 s ... (doubling up to 5 minutes)
    lab.concurrency.release(config, held)
    lab.clock.advance(seconds=8)
    assert event.condition == "Success" and event.attempts == 1


def test_throttle_backoff_stops_growing_at_five_minutes(virtual_lab):
    lab = virtual_lab
    lab.deploy("busy", ECHO)
    lab.client("lambda").put_function_concurrency(
        FunctionName="busy", ReservedConcurrentExecutions=1
    )
    lab.concurrency.admit(lab.functions.get("busy"), "$LATEST")
    lab.invoke_async("busy", {})
    lab.clock.advance(hours=1)
    (event,) = lab.async_queue.events("busy")
    times = [s.at for s in event.steps if s.kind == steps.THROTTLED]
    waits = [later - earlier for earlier, later in zip(times, times[1:])]
    assert max(waits) == limits.ASYNC_THROTTLE_BACKOFF_MAX_S and waits[-1] == 300


def test_async_payload_limit_is_one_megabyte(virtual_lab):
    lab = virtual_lab
    lab.deploy("echo", ECHO)
    client = lab.client("lambda")
    fits = json.dumps({"x": "a" * (limits.ASYNC_PAYLOAD_MAX_BYTES - 9)}).encode()
    assert len(fits) == limits.ASYNC_PAYLOAD_MAX_BYTES
    assert (
        client.invoke(FunctionName="echo", InvocationType="Event", Payload=fits)["StatusCode"]
        == 202
    )
    too_big = rf"byte payload is too large for the Event invocation type \(limit {limits.ASYNC_PAYLOAD_MAX_BYTES} bytes\)"
    with pytest.raises(client.exceptions.ClientError, match=too_big) as caught:
        client.invoke(FunctionName="echo", InvocationType="Event", Payload=fits[:-2] + b'a"}')
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert caught.value.response["Error"]["Code"] == "RequestEntityTooLargeException"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="nobody", InvocationType="Event", Payload=b"{}")


def test_real_clock_attempts_run_off_the_clock_thread(lab):
    lab.deploy("echo", ECHO)
    answer = lab.invoke_async("echo", {"hello": "world"})
    event = lab.async_queue.journey(answer["RequestId"])
    deadline = time.monotonic() + 10
    while not event.done and time.monotonic() < deadline:
        time.sleep(0.01)
    assert event.condition == "Success"
    (record,) = lab.records.for_function("echo")
    assert record.invocation_type == "Event" and record.outcome == "success"


def test_a_lambda_service_error_puts_the_event_back_like_a_throttle(virtual_lab, monkeypatch):
    from lambda_lab import errors

    lab = virtual_lab
    lab.deploy("echo", ECHO)
    admit = lab.concurrency.admit
    failures = iter([errors.ServiceException("the service had a hiccup")])

    def admit_after_one_failure(*args, **kwargs):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return admit(*args, **kwargs)

    monkeypatch.setattr(lab.concurrency, "admit", admit_after_one_failure)
    lab.invoke_async("echo", {})
    lab.clock.advance(seconds=1)
    (event,) = lab.async_queue.events("echo")
    assert [s.kind for s in event.steps][:3] == [
        steps.RECEIVED,
        steps.SERVICE_ERROR,
        steps.RETRY_SCHEDULED,
    ]
    assert event.condition == "Success" and event.attempt_times == [1.0]


def test_the_journal_of_finished_events_is_bounded(virtual_lab, monkeypatch):
    from lambda_lab.invocation.asynchronous import queue

    monkeypatch.setattr(queue, "JOURNAL_MAX", 10)
    lab = virtual_lab
    lab.deploy("echo", ECHO)
    for n in range(30):
        lab.invoke_async("echo", json.dumps({"n": n}).encode())
        lab.clock.run_until_idle()
    kept = lab.async_queue.events("echo")
    assert len(kept) <= 11
    assert json.loads(kept[-1].payload)["n"] == 29  # the newest are the ones kept


def test_async_event_age_grows_with_each_retry_and_an_alarm_can_watch_it(virtual_lab):
    lab = virtual_lab
    lab.deploy("lambda-alb", FAILS)
    lab.alarms.put("stuck-events", {
        "Namespace": "AWS/Lambda", "MetricName": "AsyncEventAge", "Statistic": "Maximum",
        "Period": 60, "EvaluationPeriods": 1, "Threshold": 60_000,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": [{"Name": "FunctionName", "Value": "lambda-alb"}],
    })  # fmt: skip
    lab.client("lambda").invoke(FunctionName="lambda-alb", InvocationType="Event", Payload=b"{}")
    lab.clock.run_until_idle()
    points = lab.metrics.points(metrics.ASYNC_EVENT_AGE, "lambda-alb")
    ages = [age for _, age in points]
    assert [round(age / 1000) for age in ages] == [0, 60, 180]  # queued, +1 min, +3 min
    after_last = points[-1][0] + 1
    assert lab.alarms.evaluate("stuck-events", now=after_last) == "ALARM"
    assert lab.alarms.datapoints(lab.alarms.get("stuck-events"), now=after_last) == [ages[-1]]
    assert lab.alarms.evaluate("stuck-events", now=points[0][0] + 1) == "OK"  # the first: 0 ms
