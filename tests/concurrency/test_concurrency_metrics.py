"""Per-minute concurrency metrics derived from invocation records and admission counters."""

from __future__ import annotations

import threading

import pytest

from lambda_lab import Lab, errors
from lambda_lab.monitoring import metrics

SLEEPER = "import time\n\ndef handler(event, context):\n    time.sleep(event.get('s', 0))\n"


def _at_once(lab: Lab, name: str, count: int, seconds: float) -> int:
    """``count`` simultaneous calls; returns how many were throttled."""
    throttled = []
    barrier = threading.Barrier(count)

    def call() -> None:
        barrier.wait()
        try:
            lab.invoke(name, {"s": seconds})
        except errors.TooManyRequestsException:
            throttled.append(1)

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(throttled)


def test_concurrency_and_throttles_per_minute_on_the_lab_clock() -> None:
    with Lab(clock="virtual") as lab:
        lab.clock.advance(61 - lab.clock.time() % 60)  # start a second into a minute
        minute = lab.clock.time() // 60 * 60
        for name in ("shared", "capped"):
            lab.deploy(name, SLEEPER, handler="lambda_function.handler")
        lab.concurrency.reserve("capped", 1)
        assert _at_once(lab, "shared", 3, 0.4) == 0
        assert _at_once(lab, "capped", 3, 0.4) == 2
        lab.clock.advance(130)  # two minutes later
        lab.invoke("shared")

        def series(name: str, function: str | None = None) -> list[float]:
            points = metrics.per_minute(lab, name, function)
            assert points[0][0] == minute and all(
                b - a == 60 for (a, _), (b, _) in zip(points, points[1:])
            )
            return [value for _, value in points]

        assert series("Invocations") == [4, 0, 1]
        assert series("ConcurrentExecutions") == [4, 0, 1]  # 3 shared + 1 capped overlapped
        assert series("UnreservedConcurrentExecutions") == [
            3,
            0,
            1,
        ]  # reserved functions are not in it
        assert series("ConcurrentExecutions", "capped") == [1]
        assert [v for _, v in metrics.per_minute(lab, "Throttles")] == [2]
        assert metrics.per_minute(lab, "Throttles", "shared") == []
        assert metrics.per_minute(lab, "ProvisionedConcurrencyUtilization") == [
            (minute, 0.0),
            (minute + 60, 0.0),
            (minute + 120, 0.0),
        ]
        with pytest.raises(ValueError, match="unknown derived metric 'Concurrency'"):
            metrics.per_minute(lab, "Concurrency")
