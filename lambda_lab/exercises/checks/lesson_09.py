"""Checks of lesson 09: memory for a waiting function, a bill by hand, time billed for nothing."""

from __future__ import annotations

from typing import Any

from lambda_lab.exercises.context import CheckContext

MONTH = 3_000_000


def _monthly(ctx: CheckContext, name: str) -> tuple[float, float]:
    """(median warm duration in ms, the month's bill in dollars at that duration, no free tier)."""
    from lambda_lab.pricing.calculator import estimate

    ctx.invoke(name, {})
    warm = sorted(ctx.invoke(name, {}).record.duration_ms for _ in range(3))
    config = ctx.lab.client("lambda").get_function_configuration(FunctionName=name)
    memory = config["MemorySize"]
    bill = estimate(
        requests=MONTH, duration_ms=round(warm[1], 3), memory_mb=memory, free_tier=False
    )
    return warm[1], float(bill.total)


def io_bound_memory(ctx: CheckContext) -> str:
    ctx.deploy("waiter", Timeout=3)
    memory = ctx.lab.client("lambda").get_function_configuration(FunctionName="waiter")[
        "MemorySize"
    ]
    duration, cost = _monthly(ctx, "waiter")
    ctx.expect(duration < 150, f"at {memory} MB a warm call took {duration:.0f} ms", "under 150 ms")
    if memory == 128:
        return f"at 128 MB a call takes {duration:.0f} ms; the month costs ${cost:,.2f}"
    ctx.deploy("waiter-128", MemorySize=128, Timeout=3)
    small_duration, small_cost = _monthly(ctx, "waiter-128")
    ctx.expect(
        small_cost >= cost or small_duration >= 150,
        f"at {memory} MB a call took {duration:.0f} ms and 3 million calls cost ${cost:,.2f}; "
        f"at 128 MB the same calls took {small_duration:.0f} ms and cost ${small_cost:,.2f}",
        "the lowest bill that stays under 150 ms: waiting does not get faster with memory",
    )
    return f"at {memory} MB: {duration:.0f} ms a call, ${cost:,.2f} a month"


CASES: list[dict[str, Any]] = [
    {"requests": 3_000_000, "duration_ms": 120, "memory_mb": 1536, "architecture": "x86_64"},
    {"requests": 50_000_000, "duration_ms": 40, "memory_mb": 512, "architecture": "arm64"},
    {"requests": 1_000_000, "duration_ms": 5000, "memory_mb": 2048, "architecture": "x86_64"},
    {"requests": 250_000, "duration_ms": 900, "memory_mb": 128, "architecture": "arm64"},
]


def bill_calculator(ctx: CheckContext) -> str:
    from lambda_lab.pricing.calculator import estimate

    ctx.deploy("bill")
    for case in CASES:
        expected = float(
            estimate(
                requests=case["requests"],
                duration_ms=case["duration_ms"],
                memory_mb=case["memory_mb"],
                architecture=case["architecture"],
                free_tier=False,
            ).total
        )
        result = ctx.invoke("bill", case)
        if result.function_error:
            ctx.failed_invoke(result, f"for {case}", f"${expected:,.2f}")
        got = result.value
        ctx.expect(
            isinstance(got, (int, float)) and abs(got - expected) < 0.01,
            f"for {case['requests']:,} calls of {case['duration_ms']} ms at {case['memory_mb']} MB "
            f"({case['architecture']}) your function {ctx.outcome(result)}",
            f"${expected:,.2f}",
        )
    return f"{len(CASES)} months priced to the cent, x86_64 and arm64"


def billed_waiting(ctx: CheckContext) -> str:
    ctx.deploy("tax", Timeout=3)
    billed = []
    for amount in (10, 20, 30, 40, 50):
        result = ctx.invoke("tax", {"amount": amount})
        if result.function_error:
            ctx.failed_invoke(result, f"amount {amount}", f"{round(amount * 1.2, 2)}")
        ctx.expect(
            result.value == round(amount * 1.2, 2),
            f"for amount {amount} your function {ctx.outcome(result)}",
            f"{round(amount * 1.2, 2)}",
        )
        billed.append(result.record.billed_duration_ms)
    total = sum(billed)
    ctx.expect(
        total < 600,
        f"five calls were billed {total:,} ms: " + ", ".join(f"{b} ms" for b in billed),
        "less than 600 ms in all (the first call's INIT counts too)",
    )
    return f"five calls billed {total} ms in all: " + ", ".join(f"{b} ms" for b in billed)
