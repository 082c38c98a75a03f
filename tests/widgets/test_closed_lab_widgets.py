"""Every widget over a Lab, clicked after the Lab is closed: it says so in its own view.

An exception in a button's callback goes to the kernel's log (here: ipywidgets' logger),
where a learner never looks; each test also checks that nothing was logged there. Buttons
are pressed with ``Button.click()``, which runs the same callbacks as a click in a browser.
"""

from __future__ import annotations

import logging

import pytest

from lambda_lab import Lab
from lambda_lab.simulate.vpc_demo import DemoNetwork
from lambda_lab.widgets.async_console import AsyncConsole
from lambda_lab.widgets.concurrency import ConcurrencyDashboard
from lambda_lab.widgets.guard import CLOSED_MESSAGE, LabClosed, shown_in
from lambda_lab.widgets.http import HttpRequestBuilder
from lambda_lab.widgets.invoke import InvokePanel
from lambda_lab.widgets.log_views import LogBrowser
from lambda_lab.widgets.queue_console import QueueConsole
from lambda_lab.widgets.throttle_explorer import ThrottleExplorer
from lambda_lab.widgets.vpc_explorer import VpcExplorer

HTTP_OK = "def lambda_handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"
FAILS = "def lambda_handler(event, context):\n    raise Exception('no')\n"
SAYS_CLOSED = "Lab closed."


@pytest.fixture
def kernel_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """What would reach the kernel's log: ipywidgets logs a callback's exception there."""
    caplog.set_level(logging.WARNING)
    return caplog


def nothing_logged(caplog: pytest.LogCaptureFixture) -> bool:
    return not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_invoke_panel(kernel_log: pytest.LogCaptureFixture) -> None:
    lab = Lab()
    lab.deploy("hello", HTTP_OK)
    panel = InvokePanel(lab, "hello")
    panel.test_button.click()
    assert "Succeeded" in panel.summary.value
    lab.close()
    panel.test_button.click()
    assert SAYS_CLOSED in panel.summary.value and not panel.last.ok
    assert panel.result.value == panel.log.value == ""  # the last run's answer is not left up
    assert nothing_logged(kernel_log)


def test_async_console_queues_nothing_once_closed(kernel_log: pytest.LogCaptureFixture) -> None:
    lab = Lab(clock="virtual")
    lab.deploy("fails", FAILS)
    console = AsyncConsole(lab, "fails")
    send, minute, idle = console.buttons
    send.click()
    assert "StatusCode 202" in console.status.value and len(console.request_ids) == 1
    lab.close()
    for button in (send, minute, idle):
        console.status.value = ""
        button.click()
        assert SAYS_CLOSED in console.status.value, button.description
    assert len(console.request_ids) == 1  # no event queued that would never run
    with pytest.raises(LabClosed, match="This Lab is closed"):
        console.send()  # from code: a clear error, not a silent 202
    assert nothing_logged(kernel_log)


def test_queue_console(kernel_log: pytest.LogCaptureFixture) -> None:
    lab = Lab(clock="virtual")
    lab.deploy("worker", "def lambda_handler(event, context):\n    return None\n")
    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    mapping = lab.client("lambda").create_event_source_mapping(
        FunctionName="worker", EventSourceArn=arn["QueueArn"]
    )
    console = QueueConsole(lab, url, mapping["UUID"])
    console.buttons[0].click()
    assert "sent 5 message(s)" in console.status.value
    lab.close()
    for button in console.buttons:
        console.status.value = ""
        button.click()
        assert SAYS_CLOSED in console.status.value, button.description
    assert nothing_logged(kernel_log)


def test_concurrency_dashboard_counts_no_throttle_for_a_closed_lab(
    kernel_log: pytest.LogCaptureFixture,
) -> None:
    lab = Lab()
    dashboard = ConcurrencyDashboard(lab, work_s=0.05, auto_refresh_s=None)
    try:
        dashboard.buttons["API request"].click()
        dashboard.board.wait()
        assert dashboard.refresh().succeeded == 1
        lab.close()
        dashboard.buttons["S3 upload"].click()
        state = dashboard.board.state()
        assert (state.sent, state.throttled, state.failed) == (1, {}, 0)
        assert SAYS_CLOSED in dashboard.status.value
        dashboard.refresh_button.click()  # redrawing a closed Lab still works, and says so
        assert SAYS_CLOSED in dashboard.status.value and "throttled 0" in dashboard.view.value
    finally:
        dashboard.close()
    assert nothing_logged(kernel_log)


def test_concurrency_dashboard_tells_other_refusals_from_throttles() -> None:
    with Lab() as lab:
        dashboard = ConcurrencyDashboard(lab, work_s=0.05, auto_refresh_s=None)
        lab.client("lambda").delete_function(FunctionName=dashboard.board.function_name)
        dashboard.buttons["API request"].click()
        dashboard.board.wait()
        state = dashboard.refresh()
        assert state.throttled == {} and state.failed == 1
        assert "ResourceNotFoundException" in state.last_problem
        assert "1 refused for another reason" in dashboard.view.value


def test_concurrency_dashboard_redraw_says_closed_by_itself() -> None:
    lab = Lab()
    dashboard = ConcurrencyDashboard(lab, work_s=0.05, auto_refresh_s=0.05)
    try:
        lab.close()
        assert dashboard._ticker is not None
        dashboard._ticker.join(timeout=5)  # the redraw loop ends once it has said so
        assert not dashboard._ticker.is_alive() and SAYS_CLOSED in dashboard.status.value
    finally:
        dashboard.close()


def test_http_request_builder(kernel_log: pytest.LogCaptureFixture) -> None:
    lab = Lab()
    lab.deploy("web", HTTP_OK)
    builder = HttpRequestBuilder(lab.invoke, "web", now=lab.clock.time)
    builder.send.click()
    assert builder.status.value.startswith("HTTP/1.1 200")
    lab.close()
    builder.send.click()
    assert SAYS_CLOSED in builder.status.value and builder.last.response.status == 200
    assert nothing_logged(kernel_log)


def test_log_browser_keeps_showing_what_the_closed_lab_logged(
    kernel_log: pytest.LogCaptureFixture,
) -> None:
    lab = Lab()
    lab.deploy("web", HTTP_OK)
    lab.invoke("web", {})
    browser = LogBrowser(lab, pattern="REPORT")
    lab.close()
    browser.refresh_button.click()
    assert "This Lab is closed: these are the logs it kept" in browser.output.value
    assert "REPORT RequestId" in browser.output.value
    assert nothing_logged(kernel_log)


def test_throttle_explorer_counts_no_429_for_a_closed_lab(
    kernel_log: pytest.LogCaptureFixture,
) -> None:
    lab = Lab(clock="virtual")
    lab.deploy("items", HTTP_OK)
    door = lab.rest_api_gateway("shop", {"GET /items": "items"})
    explorer = ThrottleExplorer(door, lab.clock, "GET /items", client_rate=4, seconds=1)
    explorer.send.click()
    assert "answered 429" in explorer.summary.value
    lab.close()
    explorer.send.click()
    assert SAYS_CLOSED in explorer.summary.value
    assert nothing_logged(kernel_log)


def test_throttle_explorer_tells_failures_from_429() -> None:
    with Lab(clock="virtual") as lab:
        lab.deploy("broken", FAILS)
        door = lab.rest_api_gateway("shop", {"GET /items": "broken"})
        explorer = ThrottleExplorer(door, lab.clock, "GET /items", burst=20, client_rate=2)
        shots = explorer.refresh()
        assert all(s.status == 502 for s in shots)
        assert "<b>0</b> answered 429" in explorer.summary.value
        assert f"<b>{len(shots)}</b> answered something else" in explorer.summary.value


def test_vpc_explorer(kernel_log: pytest.LogCaptureFixture) -> None:
    lab = Lab()
    explorer = VpcExplorer(DemoNetwork(lab.service_client("ec2"), lab.region), lab=lab)
    explorer.nat.value = True
    assert "NAT gateway" in explorer.table.value and explorer.status.value == ""
    lab.close()
    explorer.s3_endpoint.value = True
    assert SAYS_CLOSED in explorer.status.value
    assert nothing_logged(kernel_log)


def test_vpc_explorer_without_its_lab_still_shows_a_failure(
    kernel_log: pytest.LogCaptureFixture,
) -> None:
    lab = Lab()
    explorer = VpcExplorer(DemoNetwork(lab.service_client("ec2"), lab.region))
    lab.close()
    explorer.nat.value = True  # its EC2 endpoint is gone: the view says what failed
    assert "Could not connect" in explorer.status.value
    assert nothing_logged(kernel_log)


def test_shown_in_puts_the_answer_or_the_problem_in_the_view() -> None:
    import ipywidgets as widgets

    view = widgets.HTML()
    with Lab() as lab:
        shown_in(view, lab, lambda: "<1 MB>")()
        assert view.value == "&lt;1 MB&gt;"
        shown_in(view, lab, lambda: {}["missing"])()
        assert "KeyError" in view.value and "missing" in view.value
    shown_in(view, lab, lambda: "never runs")()
    assert SAYS_CLOSED in view.value and "Run All" in CLOSED_MESSAGE


def _buttons(widget) -> dict:
    """The buttons inside a widget tree, by their label."""
    import ipywidgets

    found, todo = {}, [widget]
    while todo:
        node = todo.pop()
        if isinstance(node, ipywidgets.Button):
            found[node.description] = node
        todo.extend(getattr(node, "children", ()))
    return found


def test_layer_console(kernel_log: pytest.LogCaptureFixture) -> None:
    from lambda_lab.widgets.layer_console import LayerConsole

    lab = Lab()
    lab.deploy("hello", "def lambda_handler(event, context):\n    return 'hi'\n")
    console = LayerConsole(lab, "hello")
    buttons = _buttons(console.widget)
    buttons["Invoke"].click()
    assert "Succeeded" in console.result.value
    lab.close()
    for label in ("Invoke", "Add layer", "Remove", "Move earlier"):
        console.result.value = ""
        buttons[label].click()
        assert SAYS_CLOSED in console.result.value, label
    assert nothing_logged(kernel_log)


def test_deployment_console(kernel_log: pytest.LogCaptureFixture) -> None:
    from lambda_lab.widgets.deployment_console import DeploymentConsole

    lab = Lab(clock="virtual")
    lab.deploy("shop", HTTP_OK)
    client = lab.client("lambda")
    client.create_alias(
        FunctionName="shop", Name="live",
        FunctionVersion=client.publish_version(FunctionName="shop")["Version"],
    )  # fmt: skip
    console = DeploymentConsole(lab, "shop", "live", requests=2)
    send, minute = console.buttons
    send.click()
    assert "sent: version 1: 2" in console.status.value
    lab.close()
    for button in (send, minute):
        console.status.value = ""
        button.click()
        assert SAYS_CLOSED in console.status.value, button.description
    assert nothing_logged(kernel_log)


@pytest.mark.slow  # the first execution imports moto's ASL interpreter
def test_execution_console(kernel_log: pytest.LogCaptureFixture) -> None:
    import json

    from lambda_lab.widgets.executions import ExecutionConsole

    lab = Lab()
    lab.deploy("double", "def lambda_handler(event, context):\n    return event * 2\n")
    sfn = lab.client("stepfunctions")
    definition = {"StartAt": "Double", "States": {"Double": {
        "Type": "Task", "Resource": lab.functions.get("double").arn, "End": True}}}  # fmt: skip
    machine = sfn.create_state_machine(
        name="doubler", definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/service-role/StepFunctions-doubler",
    )  # fmt: skip
    console = ExecutionConsole(sfn, machine["stateMachineArn"], 21, lab=lab)
    start = _buttons(console.widget)["Start execution"]
    start.click()
    assert "SUCCEEDED" in console.status.value and "42" in console.status.value
    lab.close()
    start.click()
    assert SAYS_CLOSED in console.status.value and len(console.executions) == 1
    assert nothing_logged(kernel_log)
