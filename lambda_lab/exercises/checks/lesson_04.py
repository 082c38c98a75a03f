"""Checks of lesson 04: a dead-letter queue in time, failures Lambda can see, an async hand-over."""

from __future__ import annotations

import json

from lambda_lab.exercises.context import CheckContext


def dlq(ctx: CheckContext) -> str:
    url, _ = ctx.queue("failed-orders")
    ctx.deploy("charge-card")
    settings = ctx.setting("EVENT_INVOKE_CONFIG", {})
    ctx.expect(isinstance(settings, dict), f"EVENT_INVOKE_CONFIG is {settings!r}", "a dict")
    if settings:
        ctx.lab.client("lambda").put_function_event_invoke_config(
            FunctionName="charge-card", **settings
        )
    answer = ctx.lab.invoke_async("charge-card", {"order": 1042})
    ctx.lab.clock.advance(seconds=2)  # the first attempt
    journey = ctx.lab.async_queue.journey(answer["RequestId"])
    first = journey.attempt_times[0] if journey.attempt_times else 0.0
    ctx.lab.clock.advance(seconds=first + 120 - 2)
    arrived = ctx.messages(url)
    if not arrived:
        ctx.lab.clock.run_until_idle()
        late = ctx.messages(url)
        where = (
            f"it arrived only after {len(journey.attempt_times)} attempts, "
            f"{journey.attempt_times[-1] - first:.0f} s after the first"
            if late
            else "it never arrived in failed-orders"
        )
        ctx.fail(
            f"2 minutes after the first attempt failed-orders was empty: {where}",
            "the event in failed-orders within 2 minutes",
            journey.describe(),
        )
    body = json.loads(arrived[0]["Body"])
    ctx.expect(
        body == {"order": 1042}, f"failed-orders received {arrived[0]['Body']!r}", '{"order": 1042}'
    )
    return (
        f"after {len(journey.attempt_times)} attempts the event reached failed-orders within "
        "2 minutes of the first"
    )


def raise_on_failure(ctx: CheckContext) -> str:
    url, arn = ctx.queue("order-failures")
    ctx.deploy("charge")
    ctx.lab.client("lambda").put_function_event_invoke_config(
        FunctionName="charge", DestinationConfig={"OnFailure": {"Destination": arn}}
    )
    good = ctx.invoke("charge", {"order": 1, "amount": 25})
    if good.function_error:
        ctx.failed_invoke(good, "a good order", '{"order": 1, "charged": 25}')
    bad = ctx.lab.invoke_async("charge", {"order": 2})
    ctx.lab.clock.run_until_idle()
    journey = ctx.lab.async_queue.journey(bad["RequestId"])
    arrived = ctx.messages(url)
    ctx.expect(
        arrived,
        f"the order without an amount ended after {len(journey.attempt_times)} attempt(s) and "
        "nothing reached the on-failure destination: to Lambda the call succeeded",
        "the bad order retried and then sent to the destination",
        journey.describe(),
    )
    record = json.loads(arrived[0]["Body"])
    condition = record.get("requestContext", {}).get("condition")
    return (
        f"the bad order was tried {record['requestContext']['approximateInvokeCount']} times, then "
        f"reached the destination ({condition}); the good order was charged"
    )


def async_caller(ctx: CheckContext) -> str:
    ctx.deploy(
        "worker",
        "def lambda_handler(event, context):\n    print('working on', event)\n    return 'done'\n",
        learner_config=False,
    )
    ctx.deploy("front", Timeout=10)
    result = ctx.invoke("front", {"order": 7})
    if result.function_error:
        ctx.failed_invoke(result, "front", '{"accepted": 202}')
    ran_meanwhile = ctx.lab.records.for_function("worker")
    ctx.expect(
        result.value == {"accepted": 202} and not ran_meanwhile,
        f"front {ctx.outcome(result)}"
        + (" and the worker ran while front waited for it" if ran_meanwhile else ""),
        '{"accepted": 202}, with the worker still to run',
    )
    ctx.lab.clock.run_until_idle()
    worked = ctx.lab.records.for_function("worker")
    ctx.expect(
        worked and worked[-1].invocation_type == "Event",
        "the worker never ran asynchronously",
        "Lambda to run worker from its async queue",
    )
    return "front answered 202 at once and the worker ran afterwards from the async queue"
