"""Five small traces run on the real runtime (threads, workers, sleeping handlers) and in the
simulator: their throttle and cold-start counts must be equal, and equal to the rules' answer."""

from __future__ import annotations

import pytest

from lambda_lab.simulate.agreement import CASES, Tally, compare

ACCOUNT = "ConcurrentInvocationLimitExceeded"
RESERVED = "ReservedFunctionConcurrentInvocationLimitExceeded"
RATE = "FunctionInvocationRateLimitExceeded"

# What the rules say for each case, worked out by hand (see the case names).
EXPECTED = [
    Tally(invocations=2, cold_starts=2, provisioned=0, throttles={RESERVED: 8}),
    Tally(invocations=6, cold_starts=3, provisioned=0, throttles={ACCOUNT: 2}),
    # 2 provisioned + 8 on-demand (10 minus the 2 set aside) then 2 throttled; later 2 PC + 1 warm.
    Tally(invocations=13, cold_starts=8, provisioned=4, throttles={ACCOUNT: 2}),
    # cold, warm, cold (idle 1.7 s > 1 s), warm, then two at once: one warm, one cold.
    Tally(invocations=6, cold_starts=3, provisioned=0, throttles={}),
    # orders: 2 run, 2 over its reserve; search: 3 tokens for 5 new environments, then 3 warm
    # and a 4th with no token left; orders' second pair is warm.
    Tally(invocations=10, cold_starts=5, provisioned=0, throttles={RESERVED: 2, RATE: 3}),
]


@pytest.mark.parametrize("case, expected", list(zip(CASES, EXPECTED)), ids=[c.name for c in CASES])
def test_simulator_and_runtime_agree(case, expected) -> None:
    simulated, real = compare(case)
    assert simulated == expected
    assert real == simulated, f"runtime: {real}; simulator: {simulated}"
