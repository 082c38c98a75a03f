"""Checks of lesson 07: a reservation that caps a downstream, hold time, provisioned concurrency."""

from __future__ import annotations

import threading
import time
from typing import Any

from lambda_lab.exercises.context import CheckContext


def most_at_once(records: list[Any]) -> int:
    """The largest number of these invocations that ran at the same moment."""
    edges = sorted([(r.start, 1) for r in records] + [(r.end, -1) for r in records])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def _calls(
    lab: Any, name: str, count: int, gap_s: float = 0.0, **options: Any
) -> tuple[list[Any], list[str]]:
    """``count`` calls, at once (gap 0) or one every ``gap_s``; (results, throttle reasons)."""
    from lambda_lab import errors

    results: list[Any] = []
    throttles: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(count) if not gap_s else None

    def one(number: int) -> None:
        if barrier:
            barrier.wait()
        try:
            result = lab.invoke(name, {"order": number}, **options)
            with lock:
                results.append(result)
        except errors.TooManyRequestsException as throttle:
            with lock:
                throttles.append(str(throttle.members.get("Reason", throttle.code)))

    threads = []
    for number in range(count):
        thread = threading.Thread(target=one, args=(number,))
        thread.start()
        threads.append(thread)
        if gap_s:
            time.sleep(gap_s)
    for thread in threads:
        thread.join()
    return results, throttles


def reserved_concurrency(ctx: CheckContext) -> str:
    reserved = ctx.setting("RESERVED_CONCURRENCY")
    ctx.deploy("save-order", Timeout=5)
    if reserved is not None:
        ctx.lab.client("lambda").put_function_concurrency(
            FunctionName="save-order", ReservedConcurrentExecutions=reserved
        )
    results, throttles = _calls(ctx.lab, "save-order", 8)
    peak = most_at_once([r.record for r in results])
    ctx.expect(
        peak <= 3,
        f"{peak} calls ran at the same time: the database takes 3",
        "at most 3 at once; the other calls throttled",
    )
    ctx.expect(
        peak == 3,
        f"at most {peak} ran at once ({len(throttles)} of 8 throttled)",
        "3 at once: the database can take 3, use them",
    )
    return f"3 calls ran at once and {len(throttles)} were throttled ({throttles[0] if throttles else ''})"


def hold_time(ctx: CheckContext) -> str:
    ctx.deploy("orders", Timeout=5)
    ctx.lab.client("lambda").put_function_concurrency(
        FunctionName="orders", ReservedConcurrentExecutions=2
    )
    results, throttles = _calls(ctx.lab, "orders", 8, gap_s=0.15)
    failed = [r for r in results if r.function_error]
    if failed:
        ctx.failed_invoke(failed[0], "a call", "'saved'")
    held = max((r.record.duration_ms for r in results), default=0.0)
    ctx.expect(
        not throttles,
        f"{len(throttles)} of 8 calls were throttled ({throttles[0] if throttles else ''}): each call "
        f"held its environment for up to {held:.0f} ms, so one call every 150 ms needs about "
        f"{max(1, round(held / 150))} environments at once, and the reservation is 2",
        "no throttles: hold each environment only as long as the work takes",
    )
    return f"8 calls, one every 150 ms, none throttled; each held its environment {held:.0f} ms at most"


def provisioned(ctx: CheckContext) -> str:
    import types

    ctx.expect(
        ctx.defines("setup"), "your file has no setup(client) function", "def setup(client): ..."
    )
    ctx.deploy(
        "catalog",
        "import time\ntime.sleep(0.3)  # a slow INIT\n\n"
        "def lambda_handler(event, context):\n    time.sleep(0.2)\n    return 'ok'\n",
        learner_config=False,
        Timeout=5,
    )
    client = ctx.lab.client("lambda")
    module = types.ModuleType("learner_setup")
    exec(compile(ctx.source, "setup.py", "exec"), module.__dict__)  # noqa: S102 - the learner's own code, as in their notebook
    module.setup(client)
    try:
        ctx.lab.concurrency.provisioned.wait("catalog", "live")
    except Exception as problem:  # noqa: BLE001 - no config on the alias: say what is missing
        ctx.fail(
            f"catalog:live has no provisioned concurrency ({problem})",
            "PutProvisionedConcurrencyConfig on the alias live",
        )
    results, throttles = _calls(ctx.lab, "catalog", 2, qualifier="live")
    cold = [r for r in results if not r.record.provisioned]
    ctx.expect(
        not cold and not throttles,
        f"of 2 calls to catalog:live, {len(cold)} started cold (Init Duration "
        f"{', '.join(f'{r.record.init_duration_ms or 0:.0f} ms' for r in cold)})",
        "both served by provisioned environments",
    )
    return "both calls to catalog:live ran on provisioned environments, with no INIT"
