"""The engine's in-line path against its general one, and the bulk parts it relies on.

The hot loop admits and releases synchronous calls of on-demand functions in line, counts
runs of refused arrivals at once and bills runs in bulk. ``Simulation(inline=False)`` sends
every arrival through ``model.admit`` instead; both must give the same result, count for
count, on any workload.
"""

from __future__ import annotations

import random
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_lab.simulate import (
    ASYNC,
    SYNC,
    Account,
    Burst,
    Constant,
    FunctionConfig,
    LogNormal,
    Poisson,
    Ramp,
    Steady,
    Trace,
    merge,
)
from lambda_lab.simulate.arrivals import blocks
from lambda_lab.simulate.cost import billed_milliseconds, billed_milliseconds_total
from lambda_lab.simulate.engine import Simulation


def _workload(seed: int):  # type: ignore[no-untyped-def]
    draw = random.Random(seed)
    names = ["a", "b", "c"][: draw.choice([1, 1, 2, 3])]
    functions = []
    for name in names:
        reserved = draw.choice([None, None, 0, 2, 5])
        provisioned = draw.choice([0, 0, 1, 2])
        if reserved is not None:
            provisioned = min(provisioned, reserved)
        functions.append(
            FunctionConfig(
                name,
                duration=draw.choice([Constant(300), Constant(1500), LogNormal(200, 1.0, seed)]),
                cold_start=draw.choice([0, 250]),
                timeout_s=draw.choice([1, 3]),
                reserved_concurrency=reserved,
                provisioned_concurrency=provisioned,
            )
        )
    patterns = []
    for _ in range(draw.randint(1, 4)):
        name, kind = draw.choice(names), draw.choice([SYNC, SYNC, SYNC, ASYNC])
        patterns.append(
            draw.choice(
                [
                    Steady(
                        name, rate_per_s=draw.choice([3, 40]), duration_s=10, invocation_type=kind
                    ),
                    Burst(
                        name,
                        size=draw.randint(1, 80),
                        at_s=1,
                        over_s=draw.choice([0, 0.5]),
                        repeat=2,
                        every_s=4,
                        invocation_type=kind,
                    ),  # fmt: skip
                    Poisson(name, rate_per_s=30, duration_s=8, seed=seed, invocation_type=kind),
                    Ramp(name, 0, 60, 6, invocation_type=kind),
                    Trace([(draw.random() * 9, draw.choice(names)) for _ in range(20)]),
                ]
            )
        )
    account = Account(
        concurrency_limit=draw.choice([8, 20, 1000]),
        scaling_rate_environments=draw.choice([2, 1000]),
        scaling_rate_period_s=1,
        keep_alive_s=draw.choice([0.5, 600]),
        functions=tuple(functions),
    )
    until = draw.choice([None, None, 6.0])
    return account, patterns, until


def _everything(result):  # type: ignore[no-untyped-def]
    return (
        result.summary(),
        list(result.latencies_ms),
        result.timeline,
        result.outcomes,
        result.arrivals,
        result.end,
        {
            name: vars(stats) if hasattr(stats, "__dict__") else repr(stats)
            for name, stats in result.functions.items()
        },  # fmt: skip
    )


@pytest.mark.parametrize("seed", range(40))
def test_the_inline_path_gives_the_general_paths_result(seed: int) -> None:
    account, patterns, until = _workload(seed)
    results = [
        Simulation(account, blocks(patterns), until=until, keep_outcomes=keep, inline=inline).run()
        for inline in (True, False)
        for keep in (True, False)
    ]
    fast, general = _everything(results[0]), _everything(results[2])
    assert fast == general
    # Keeping outcomes changes nothing else.
    assert _everything(results[1])[:3] == fast[:3] == _everything(results[3])[:3]


def test_blocks_hold_the_merged_arrivals_in_order() -> None:
    patterns = [
        Steady("f", rate_per_s=7, duration_s=30),
        Burst("f", size=5_000, at_s=3, over_s=0, repeat=3, every_s=9),
        Ramp("f", 0, 100, 20),
        Poisson("f", rate_per_s=50, duration_s=25, seed=3),
    ]
    expected = [arrival[0] for arrival in merge(patterns)]
    got = [when for _, _, times in blocks(patterns) for when in times]
    assert got == expected
    mixed = [Steady("f", rate_per_s=2, duration_s=3), Burst("g", size=2, at_s=1)]
    runs = [(name, times) for name, _, times in blocks(mixed)]
    assert runs == [("f", [0.0, 0.5, 1.0]), ("g", [1.0, 1.0]), ("f", [1.5, 2.0, 2.5])]


def test_unsorted_arrivals_are_refused() -> None:
    account = Account(functions=(FunctionConfig("f"),))
    unsorted = [("f", SYNC, [2.0, 3.0]), ("f", SYNC, [1.0])]
    with pytest.raises(ValueError, match=r"arrivals went back in time: f at t=1.0"):
        Simulation(account, unsorted).run()


@given(st.lists(st.floats(min_value=0, max_value=910_000, allow_nan=False), max_size=300))
def test_bulk_billing_equals_billing_each_run(runs: list[float]) -> None:
    values = array("d", runs)
    for start in (0, len(runs) // 2):
        each = sum(billed_milliseconds(ms) for ms in runs[start:])
        assert billed_milliseconds_total(values, start) == each
