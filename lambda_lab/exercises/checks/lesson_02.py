"""Checks of lesson 02: the test event, warm environments, the Handler setting."""

from __future__ import annotations

from lambda_lab.exercises.context import CheckContext

TEST_EVENT = {"key1": "value1", "key2": "value2", "key3": "value3"}


def test_event(ctx: CheckContext) -> str:
    ctx.deploy("demo-lambda")
    result = ctx.invoke("demo-lambda", TEST_EVENT)
    if result.function_error:
        ctx.failed_invoke(result, "the test event", "'value1 value2 value3'")
    ctx.expect(
        result.value == "value1 value2 value3",
        f"the test event {ctx.outcome(result)}",
        "'value1 value2 value3'",
    )
    return "the console's test event returned 'value1 value2 value3'"


def warm_counter(ctx: CheckContext) -> str:
    ctx.deploy("counter")
    seen = []
    for _ in range(3):
        result = ctx.invoke("counter", {})
        if result.function_error:
            ctx.failed_invoke(result, "a call", '{"calls": N}')
        seen.append(result.value)
    expected = [{"calls": n} for n in (1, 2, 3)]
    ctx.expect(
        seen == expected, f"three calls to one warm environment returned {seen}", str(expected)
    )
    ctx.lab.client("lambda").update_function_configuration(
        FunctionName="counter", Description="restart"
    )
    again = ctx.invoke("counter", {})
    ctx.expect(
        again.value == {"calls": 1},
        f"a new environment's first call returned {again.value}",
        '{"calls": 1}: a new environment starts from the top of the file',
    )
    return "1, 2, 3 in one warm environment, then 1 again in a new one"


def handler_setting(ctx: CheckContext) -> str:
    ctx.deploy("orders")
    result = ctx.invoke("orders", {"order": 7})
    if result.function_error:
        ctx.failed_invoke(result, "the call", "handle_order to run")
    ctx.expect(
        result.value == {"order": 7, "status": "accepted"},
        f"the call {ctx.outcome(result)}",
        '{"order": 7, "status": "accepted"}',
    )
    return "Lambda found lambda_function.handle_order and the order was accepted"
