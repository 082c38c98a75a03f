"""Checks of lesson 08: memory from a REPORT line, errors found in logs, structured logs."""

from __future__ import annotations

import json
from typing import Any

from lambda_lab.exercises.context import CheckContext


def right_memory(ctx: CheckContext) -> str:
    ctx.deploy("lookup", Timeout=10)
    result = ctx.invoke("lookup", {})
    report = next((line for line in result.log.splitlines() if line.startswith("REPORT")), "")
    record = result.record
    if result.function_error:
        ctx.fail(f"the call {ctx.outcome(result)}", "a run that fits in its memory", report)
    used, size = record.max_memory_used_mb, record.memory_mb
    ctx.expect(
        used <= 0.8 * size,
        f"Max Memory Used {used} MB of {size} MB is {used / size:.0%}",
        "at most 80 %, room for a bigger input",
        report,
    )
    ctx.expect(
        size <= 2 * used,
        f"{size} MB for a function that uses {used} MB",
        f"at most {2 * used} MB: memory you do not use is billed all the same",
        report,
    )
    return f"Max Memory Used {used} MB of {size} MB ({used / size:.0%})"


ORDERS: list[dict[str, Any]] = [
    {"order": 1, "customer": "ada", "items": ["book"]},
    {"order": 2, "items": ["pen", "ink"]},
    {"order": 3, "customer": "grace", "items": []},
    {"order": 4, "items": ["lamp"]},
]


def guest_orders(ctx: CheckContext) -> str:
    ctx.deploy("orders")
    failed = []
    for event in ORDERS:
        result = ctx.invoke("orders", event)
        if result.function_error:
            failed.append(event["order"])
            continue
        expected = event.get("customer", "guest")
        ctx.expect(
            isinstance(result.value, dict) and result.value.get("customer") == expected,
            f"order {event['order']} {ctx.outcome(result)}",
            f"customer {expected!r}",
        )
    errors = [
        line.message.split("\r")[0] for line in ctx.lab.logs.events("orders", pattern="ERROR")
    ]
    ctx.expect(
        not failed,
        f"orders {failed} failed, and the log filtered on ERROR shows",
        "every order answered",
        "\n".join(errors),
    )
    return "all four orders answered; the guests' orders belong to 'guest'"


def structured_logs(ctx: CheckContext) -> str:
    ctx.deploy("orders")
    events: list[dict[str, Any]] = [
        {"order_id": "A1", "total": 25},
        {"order_id": "A2", "total": -5},
        {"order_id": "A3", "total": 0},
    ]
    for event in events:
        result = ctx.invoke("orders", event)
        if result.function_error:
            ctx.failed_invoke(result, f"order {event['order_id']}", "'ok'")
    lines = [
        e.message.strip()
        for e in ctx.lab.logs.events("orders")
        if not e.message.startswith(("START", "END", "REPORT", "INIT_START"))
    ]
    parsed = []
    for line in lines:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            parsed.append(value)
    shown = "\n".join(lines[:6])
    ctx.expect(
        len(parsed) == len(events),
        f"{len(parsed)} of the log lines are JSON objects",
        f"{len(events)}, one per order",
        shown,
    )
    for event, logged in zip(events, parsed):
        level = "ERROR" if event["total"] < 0 else "INFO"
        wanted = {"level": level, "order_id": event["order_id"], "total": event["total"]}
        got = {key: logged.get(key) for key in wanted}
        ctx.expect(
            got == wanted,
            f"order {event['order_id']} was logged as {json.dumps(logged)}",
            json.dumps(wanted),
            shown,
        )
    return "three orders, three JSON log lines with level, order_id and total; the negative one at ERROR"


CHECKOUT = (
    "def lambda_handler(event, context):\n"
    "    if event.get('fail'):\n"
    "        raise RuntimeError('card declined by the test')\n"
    "    return 'ok'\n"
)
# (calls in the minute, of which failing, whether an error-rate alarm at 10 % must fire)
TRAFFIC = ((5, 2, True), (100, 4, False), (50, 6, True), (20, 1, False))


def error_rate_alarm(ctx: CheckContext) -> str:
    from lambda_lab.monitoring.alarms import AlarmError

    spec = ctx.setting("ALARM")
    ctx.expect(isinstance(spec, dict), f"ALARM is {type(spec).__name__}", "ALARM = {...}")
    ctx.deploy("checkout", CHECKOUT, learner_config=False)
    try:
        alarm = ctx.lab.alarms.put("checkout-error-rate", spec, where="ALARM")
    except AlarmError as error:
        ctx.fail(f"CloudWatch refused the alarm: {error}", "an alarm definition it accepts")
    seen = []
    for calls, failing, fires in TRAFFIC:
        ctx.lab.clock.advance(minutes=10)  # quiet minutes between the tests
        for number in range(calls):
            ctx.invoke("checkout", {"fail": number < failing})
        ctx.lab.clock.advance(minutes=1)
        state = ctx.lab.alarms.evaluate(alarm.name)
        points = [None if p is None else round(p, 2) for p in ctx.lab.alarms.datapoints(alarm)]
        story = f"{failing} of {calls} calls failed ({failing / calls:.0%}): {state}"
        seen.append(story)
        ctx.expect(
            (state == "ALARM") == fires,
            f"{story}; the alarm's datapoints {points}",
            f"{'ALARM' if fires else 'OK'}: more than 10 % failing pages, fewer does not, "
            "at any traffic",
            "\n".join(seen),
        )
    return "; ".join(seen)
