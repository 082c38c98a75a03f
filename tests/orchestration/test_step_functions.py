"""Step Functions state machines executed by moto, their Lambda tasks run by the Lab: Retry,
Catch, failures, timeouts, callbacks with task tokens, Parallel and Map, and the execution
history with AWS's event types."""

from __future__ import annotations

import json

import pytest

from lambda_lab.orchestration.step_functions import history, wait_for, wait_for_task_token

pytestmark = pytest.mark.slow  # the first execution imports moto's ASL interpreter (~2 s)
ROLE = "arn:aws:iam::123456789012:role/service-role/StepFunctions-orders"
FLAKY = """import json

calls = 0  # survives between invokes of a warm environment

def handler(event, context):
    global calls
    calls += 1
    if calls <= event.get("fail_times", 0):
        raise ConnectionError(f"payment service unavailable (call {calls})")
    return {"charged": event["amount"], "calls": calls}
"""
BROKEN = "def handler(event, context):\n    raise ValueError('card declined')\n"
DOUBLE = "def handler(event, context):\n    return event * 2\n"
SLOW = "import time\n\ndef handler(event, context):\n    time.sleep(3)\n"
CALLBACK = """import json

def handler(event, context):
    print(json.dumps({"taskToken": event["token"], "order": event["order"]}))
"""


@pytest.fixture
def sfn(lab):
    for name, code in (("charge", FLAKY), ("decline", BROKEN), ("double", DOUBLE),
                       ("slow", SLOW), ("ask-approval", CALLBACK)):  # fmt: skip
        lab.deploy(name, code, handler="lambda_function.handler", Timeout=10)
    return lab.client("stepfunctions")


def arn(lab, name: str) -> str:
    return lab.functions.get(name).arn


def run(sfn, definition: dict, data: object, name: str = "orders") -> tuple[dict, list[dict]]:
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    started = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps(data)
    )
    described = wait_for(sfn, started["executionArn"])
    return described, history(sfn, started["executionArn"])


def types(events: list[dict]) -> list[str]:
    return [e["type"] for e in events]


def test_a_task_calls_a_lab_function_and_the_history_says_so(lab, sfn) -> None:
    definition = {"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": arn(lab, "charge"), "End": True}}}  # fmt: skip
    described, events = run(sfn, definition, {"amount": 30})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"charged": 30, "calls": 1}
    assert types(events) == ["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled",
                             "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited",
                             "ExecutionSucceeded"]  # fmt: skip
    scheduled = events[2]["lambdaFunctionScheduledEventDetails"]
    assert scheduled["resource"] == arn(lab, "charge")
    assert lab.records.last("charge").invocation_type == "RequestResponse"  # a real invoke here


def test_retry_runs_the_task_again_until_it_succeeds(lab, sfn) -> None:
    definition = {"StartAt": "Charge", "States": {"Charge": {
        "Type": "Task", "Resource": arn(lab, "charge"), "End": True,
        "Retry": [{"ErrorEquals": ["ConnectionError"], "IntervalSeconds": 1, "MaxAttempts": 2,
                   "BackoffRate": 1.0}]}}}  # fmt: skip
    described, events = run(sfn, definition, {"amount": 30, "fail_times": 1})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["calls"] == 2
    assert types(events).count("LambdaFunctionFailed") == 1
    assert types(events).count("LambdaFunctionScheduled") == 2
    failed = next(e for e in events if e["type"] == "LambdaFunctionFailed")
    details = failed["lambdaFunctionFailedEventDetails"]
    assert details["error"] == "ConnectionError"  # Lambda's errorType becomes the error name
    assert json.loads(details["cause"])["errorMessage"] == "payment service unavailable (call 1)"
    assert len(lab.records.for_function("charge")) == 2


def test_catch_takes_over_when_retries_run_out(lab, sfn) -> None:
    definition = {"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": arn(lab, "decline"), "Next": "Done",
                   "Retry": [{"ErrorEquals": ["ValueError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}]},
        "Refund": {"Type": "Pass", "Result": "refunded", "ResultPath": "$.outcome", "Next": "Done"},
        "Done": {"Type": "Succeed"}}}  # fmt: skip
    described, events = run(sfn, definition, {"amount": 30})
    assert described["status"] == "SUCCEEDED"
    output = json.loads(described["output"])
    assert output["outcome"] == "refunded" and output["error"]["Error"] == "ValueError"
    assert json.loads(output["error"]["Cause"])["errorMessage"] == "card declined"
    assert len(lab.records.for_function("decline")) == 2  # the first attempt and one retry
    attempt = ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed"]
    assert types(events) == ["ExecutionStarted", "TaskStateEntered", *attempt, *attempt,
                             "TaskStateExited", "PassStateEntered", "PassStateExited",
                             "SucceedStateEntered", "SucceedStateExited",
                             "ExecutionSucceeded"]  # fmt: skip


def test_an_uncaught_error_fails_the_execution_with_lambdas_error(lab, sfn) -> None:
    definition = {"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": arn(lab, "decline"), "End": True}}}  # fmt: skip
    described, events = run(sfn, definition, {"amount": 30})
    assert described["status"] == "FAILED"
    assert described["error"] == "ValueError"
    assert json.loads(described["cause"])["errorType"] == "ValueError"
    assert types(events)[-2:] == ["LambdaFunctionFailed", "ExecutionFailed"]
    assert events[-1]["executionFailedEventDetails"]["error"] == "ValueError"


def test_a_task_past_its_timeout_fails_with_states_timeout(lab, sfn) -> None:
    definition = {"StartAt": "Slow", "States": {
        "Slow": {"Type": "Task", "Resource": arn(lab, "slow"), "TimeoutSeconds": 1, "End": True}}}  # fmt: skip
    described, events = run(sfn, definition, {})
    assert (described["status"], described["error"]) == ("FAILED", "States.Timeout")
    assert "LambdaFunctionTimedOut" in types(events)


def test_a_fail_state_ends_the_execution_with_its_error_and_cause(lab, sfn) -> None:
    definition = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.amount", "NumericGreaterThan": 1000, "Next": "TooMuch"}],
            "Default": "Fine"},
        "TooMuch": {"Type": "Fail", "Error": "Order.TooLarge", "Cause": "amount over 1000"},
        "Fine": {"Type": "Succeed"}}}  # fmt: skip
    described, events = run(sfn, definition, {"amount": 5000})
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "Order.TooLarge", "amount over 1000")  # fmt: skip
    assert types(events) == ["ExecutionStarted", "ChoiceStateEntered", "ChoiceStateExited",
                             "FailStateEntered", "ExecutionFailed"]  # fmt: skip


def test_a_callback_waits_for_its_task_token(lab, sfn) -> None:
    definition = {"StartAt": "Approve", "States": {"Approve": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "ask-approval",
                       "Payload": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
        "ResultPath": "$.approval", "End": True}}}  # fmt: skip
    machine = sfn.create_state_machine(
        name="approval", definition=json.dumps(definition), roleArn=ROLE
    )
    for answer in ("success", "failure"):
        started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"],
                                      input=json.dumps({"order": answer}))  # fmt: skip
        token = wait_for_task_token(lambda: lab.logs.tail("ask-approval"), timeout_s=20)
        assert sfn.describe_execution(executionArn=started["executionArn"])["status"] == "RUNNING"
        if answer == "success":
            sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
        else:
            sfn.send_task_failure(taskToken=token, error="Rejected", cause="a human said no")
        described = wait_for(sfn, started["executionArn"])
        events = history(sfn, started["executionArn"])
        assert "TaskSubmitted" in types(events)
        if answer == "success":
            assert json.loads(described["output"])["approval"] == {"approved": True}
        else:
            assert (described["status"], described["error"]) == ("FAILED", "Rejected")
        # The next execution prints a new token: forget this one.
        lab.logs.clear()


def test_parallel_and_map_run_branches_and_items(lab, sfn) -> None:
    double = arn(lab, "double")
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "One", "States": {"One": {"Type": "Task", "Resource": double, "InputPath": "$.n", "End": True}}},
        {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "D",
                              "States": {"D": {"Type": "Task", "Resource": double, "End": True}}},
            "End": True}}}]}}}  # fmt: skip
    described, events = run(sfn, definition, {"n": 5, "items": [1, 2, 3]})
    assert json.loads(described["output"]) == [10, [2, 4, 6]]
    assert types(events).count("MapIterationSucceeded") == 3
    assert {"ParallelStateStarted", "ParallelStateSucceeded", "MapStateStarted"} <= set(
        types(events)
    )
    assert len(lab.records.for_function("double")) == 4


def test_a_sam_state_machine_gets_its_function_arns_by_substitution(lab, tmp_path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return event * 3\n")
    (tmp_path / "statemachine").mkdir()
    (tmp_path / "statemachine" / "flow.asl.json").write_text(json.dumps({
        "StartAt": "Triple", "States": {"Triple": {"Type": "Task", "Resource": "${TripleArn}", "End": True}}}))  # fmt: skip
    (tmp_path / "template.yaml").write_text("""\
Transform: AWS::Serverless-2016-10-31
Resources:
  Triple:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/flow.asl.json
      DefinitionSubstitutions:
        TripleArn: !GetAtt Triple.Arn
      Policies:
        - LambdaInvokePolicy: {FunctionName: !Ref Triple}
""")
    stack = lab.deploy_template(str(tmp_path / "template.yaml"), stack_name="flows")
    sfn = lab.client("stepfunctions")
    started = sfn.start_execution(stateMachineArn=stack.physical_id("Flow"), input="7")
    assert json.loads(wait_for(sfn, started["executionArn"])["output"]) == 21
    assert stack.notes == ["Resources.Flow.Policies: IAM is not enforced by the Lab"]
