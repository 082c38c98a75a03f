"""The deployment console and the state machine picture: their logic without a browser."""

from __future__ import annotations

import random

import pytest

from lambda_lab.widgets.executions import state_machine_diagram, state_outcomes

pytest.importorskip("ipywidgets", reason="needs the course extra")

GOOD = "def handler(event, context):\n    return 'ok'\n"
BROKEN = "def handler(event, context):\n    raise RuntimeError('broken')\n"


def test_the_deployment_console_sends_moves_the_clock_and_tells_the_story(virtual_lab) -> None:
    from lambda_lab.widgets.deployment_console import DeploymentConsole

    lab = virtual_lab
    lab.deploy("shop", GOOD, handler="lambda_function.handler")
    client = lab.client("lambda")
    client.publish_version(FunctionName="shop")
    client.create_alias(FunctionName="shop", Name="live", FunctionVersion="1")
    console = DeploymentConsole(lab, "shop", "live")
    assert "no deployment yet" in console.story.value and "version 1" in console.status.value
    lab.deploy("shop", BROKEN, handler="lambda_function.handler")
    lab.alarms.put("shop-errors", {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum",
                                   "Period": 60, "EvaluationPeriods": 1, "Threshold": 0,
                                   "ComparisonOperator": "GreaterThanThreshold",
                                   "Dimensions": [{"Name": "FunctionName", "Value": "shop"}]})  # fmt: skip
    lab.deployments.start("shop", "live", client.publish_version(FunctionName="shop")["Version"],
                          "Linear10PercentEvery1Minute", alarms=["shop-errors"])  # fmt: skip
    random.seed(5)
    ran = console.send(40)
    assert sum(ran.values()) == 40 and ran.get("2 (failed)", 0) > 0
    assert "(10% to version 2)" in console.status.value
    console.advance(1)
    assert "deployment stopped" in console.story.value and bytes(console.picture.value).startswith(
        b"\x89PNG"
    )
    assert "→ version 1 ·" in console.status.value


DEFINITION = {
    "StartAt": "Check",
    "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Work"}],
                  "Default": "Stop"},
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:w", "End": True,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Stop"}]},
        "Stop": {"Type": "Fail", "Error": "No"},
    },
}  # fmt: skip


def entered(kind: str, name: str) -> dict:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def exited(kind: str, name: str) -> dict:
    return {"type": f"{kind}StateExited", "stateExitedEventDetails": {"name": name}}


def test_state_outcomes_and_the_picture_follow_the_history() -> None:
    events = [{"type": "ExecutionStarted"}, entered("Choice", "Check"), exited("Choice", "Check"),
              entered("Task", "Work"), {"type": "LambdaFunctionFailed"},
              {"type": "FailStateEntered", "stateEnteredEventDetails": {"name": "Stop"}},
              {"type": "ExecutionFailed"}]  # fmt: skip
    assert state_outcomes(events) == {"Check": "ok", "Work": "failed", "Stop": "failed"}
    diagram = state_machine_diagram(DEFINITION, events)
    kinds = {box.key: box.kind for box in diagram.boxes}
    assert kinds == {"Check": "storage", "Work": "security", "Stop": "security"}
    assert ("Work", "Stop", "catch States.ALL") in diagram.arrows
    assert ("Check", "Stop", "default") in diagram.arrows
    plain = state_machine_diagram(DEFINITION)
    assert {box.kind for box in plain.boxes} == {"compute"}
