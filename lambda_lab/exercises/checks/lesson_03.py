"""Checks of lesson 03: memory and timeout for a goal, stopping before the timeout, /tmp."""

from __future__ import annotations

from lambda_lab.exercises.context import CheckContext

GOAL_MS = 500
CALLER_WAITS_S = 1
MENU = (128, 256, 512, 1024, 1769, 3008)


def latency_budget(ctx: CheckContext) -> str:
    config = ctx.config()
    memory, timeout = config.get("MemorySize", 128), config.get("Timeout", 3)
    ctx.expect(memory in MENU, f"MemorySize is {memory}", f"one of {', '.join(map(str, MENU))}")
    ctx.expect(
        timeout == CALLER_WAITS_S,
        f"Timeout is {timeout} s: a stuck call would run, and be billed, {timeout - CALLER_WAITS_S} s "
        "after its caller gave up"
        if timeout > CALLER_WAITS_S
        else f"Timeout is {timeout} s",
        f"{CALLER_WAITS_S} s, the time the caller waits",
    )
    ctx.expect(
        memory <= 1769,
        f"{memory} MB: above 1,769 MB this single-threaded code gets no faster, so every "
        f"millisecond costs {memory / 1769:.1f}x what it does at 1,769 MB for the same duration",
        "the goal met at the lowest bill",
    )
    ctx.deploy("hasher")
    first = ctx.invoke("hasher", {})
    if first.function_error:
        ctx.failed_invoke(first, f"at {memory} MB the first call", f"an answer within {GOAL_MS} ms")
    warm = []
    for _ in range(5):  # the best of five warm calls: the machine is shared, the goal is per call
        result = ctx.invoke("hasher", {})
        if result.function_error:
            ctx.failed_invoke(
                result, f"at {memory} MB a warm call", f"an answer within {GOAL_MS} ms"
            )
        warm.append(result.record.duration_ms)
        if result.record.duration_ms <= GOAL_MS:
            break
    best = min(warm)
    ctx.expect(
        best <= GOAL_MS,
        f"at {memory} MB the warm calls took {', '.join(f'{d:.0f}' for d in warm)} ms",
        f"at most {GOAL_MS} ms: more memory gives this CPU-bound code more CPU",
    )
    return f"at {memory} MB a warm call took {best:.0f} ms (goal {GOAL_MS}), with a {timeout} s timeout"


def stop_in_time(ctx: CheckContext) -> str:
    ctx.deploy("batch", Timeout=1)
    items = list(range(20))
    result = ctx.invoke("batch", {"items": items})
    if result.function_error:
        ctx.failed_invoke(
            result, "with a 1 s timeout and 20 items the call", "an answer before the timeout"
        )
    answer = result.value
    ctx.expect(
        isinstance(answer, dict) and {"done", "left"} <= set(answer),
        f"the call {ctx.outcome(result)}",
        '{"done": [...], "left": [...]}',
    )
    done, left = answer["done"], answer["left"]
    ctx.expect(
        done + left == items,
        f"done {done} and left {left} together are not the 20 items in order",
        "every item in done or in left, in order",
    )
    ctx.expect(len(done) >= 5, f"only {len(done)} items were processed in a 1 s call", "at least 5")
    return f"{len(done)} items done and {len(left)} left, answered in {result.record.duration_ms:.0f} ms"


def tmp_cache(ctx: CheckContext) -> str:
    ctx.deploy("model-user", Timeout=3)
    seen = []
    for _ in range(3):
        result = ctx.invoke("model-user", {})
        if result.function_error:
            ctx.failed_invoke(result, "a call", '{"downloaded": true or false}')
        seen.append(result.value)
    expected = [{"downloaded": True}, {"downloaded": False}, {"downloaded": False}]
    ctx.expect(seen == expected, f"three calls to one environment returned {seen}", str(expected))
    ctx.lab.client("lambda").update_function_configuration(
        FunctionName="model-user", Description="new"
    )
    fresh = ctx.invoke("model-user", {})
    ctx.expect(
        fresh.value == {"downloaded": True},
        f"a new environment's first call returned {fresh.value}",
        '{"downloaded": true}: a new environment has an empty /tmp',
    )
    return "downloaded once per environment, then reused from /tmp on warm calls"
