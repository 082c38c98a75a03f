"""The timeline pictures and the async console widget, drawn from real runs."""

from __future__ import annotations

import pytest
from runtime_helpers import ECHO, FAILS, make_queue

from lambda_lab.widgets.async_console import AsyncConsole
from lambda_lab.widgets.queue_console import QueueConsole
from lambda_lab.widgets.timeline import async_timeline, poller_timeline

PNG = b"\x89PNG\r\n\x1a\n"


def _texts(figure):
    return [text.get_text() for axes in figure.axes for text in axes.texts]


def _markers(figure, size):
    return [line for axes in figure.axes for line in axes.lines if line.get_markersize() == size]


def test_async_timeline_shows_attempts_waits_and_the_dlq(virtual_lab):
    lab = virtual_lab
    _, dlq = make_queue(lab, "dlq")
    lab.deploy("fails", FAILS, DeadLetterConfig={"TargetArn": dlq})
    lab.deploy("ok", ECHO)
    lab.invoke_async("fails", {})
    lab.invoke_async("ok", {})
    lab.clock.run_until_idle()
    figure = async_timeline(lab.async_queue.events())
    assert len(_markers(figure, 11)) == 4  # three failed attempts and one success
    assert {"wait 1 min", "wait 2 min", "DLQ", "success"} <= set(_texts(figure))
    assert figure.axes[0].get_xlabel().startswith("minutes")
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert any(label.startswith("fails") for label in labels) and any(
        label.startswith("ok") for label in labels
    )


def test_poller_timeline_shows_each_batch(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "jobs")
    lab.deploy("worker", ECHO)
    mapping = lab.client("lambda").create_event_source_mapping(
        FunctionName="worker", EventSourceArn=arn, BatchSize=4
    )
    for i in range(6):
        lab.client("sqs").send_message(QueueUrl=url, MessageBody=str(i))
    lab.clock.advance(seconds=1)
    history = lab.event_sources.mappings.poller(mapping["UUID"]).history
    figure = poller_timeline(history)
    assert _texts(figure) == ["4", "2"]
    with pytest.raises(ValueError, match="no batches yet"):
        poller_timeline([])


def test_async_console_buttons_send_and_move_the_clock(virtual_lab):
    lab = virtual_lab
    lab.deploy("fails", FAILS)
    console = AsyncConsole(lab, "fails", {"key1": "value1"})
    send, minute, idle = console.buttons
    send.click()
    assert "queued" in console.status.value and len(console.request_ids) == 1
    minute.click()
    assert (
        "attempt 2: error" in console.journey.value
        and "attempt 3: error" not in console.journey.value
    )
    idle.click()
    assert "attempt 3: error" in console.journey.value and "dropped" in console.journey.value
    assert bytes(console.picture.value).startswith(PNG)


def test_async_console_on_a_real_clock_cannot_move_time(lab):
    lab.deploy("ok", ECHO)
    console = AsyncConsole(lab, "missing-function")
    _, minute, idle = console.buttons
    assert minute.disabled and idle.disabled
    assert console.send() is None and "ResourceNotFoundException" in console.status.value


def test_queue_console_sends_messages_and_shows_the_batches(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "orders", VisibilityTimeout="30")
    lab.deploy(
        "worker",
        """
def lambda_handler(event, context):
    bad = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    return {"batchItemFailures": [{"itemIdentifier": m} for m in bad]}
""",
    )
    mapping = lab.client("lambda").create_event_source_mapping(
        FunctionName="worker", EventSourceArn=arn, FunctionResponseTypes=["ReportBatchItemFailures"]
    )
    console = QueueConsole(lab, url, mapping["UUID"])
    five, bad, second, thirty = console.buttons
    five.click()
    bad.click()
    assert "waiting: 6" in console.status.value
    second.click()
    assert "in flight: 1" in console.status.value and "batches: 1" in console.status.value
    thirty.click()
    assert "batches: 2" in console.status.value
    assert bytes(console.picture.value).startswith(PNG)
    assert [run.size for run in console.poller.history] == [6, 1]
