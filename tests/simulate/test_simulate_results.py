"""Results of whole runs: bills, the timeline, large-run invariants, plots, the public surface."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lambda_lab.simulate as simulate_package
from lambda_lab.monitoring.records import InvocationRecord
from lambda_lab.pricing import calculator as pricing
from lambda_lab.simulate import (
    SCALING_RATE_REASON,
    Burst,
    FunctionConfig,
    LogNormal,
    Poisson,
    Steady,
    simulate,
)
from lambda_lab.simulate.cost import billed_milliseconds


# -- money ----------------------------------------------------------------------------------------
def test_the_bill_equals_the_pricing_estimate_for_the_same_traffic():
    config = FunctionConfig("f", memory_mb=512, duration=100, cold_start=250)
    result = simulate(config, Steady("f", rate_per_s=1, duration_s=10))
    assert (result.invocations, result.cold_starts) == (10, 1)
    expected = pricing.estimate(
        requests=10,
        duration_ms=100,
        memory_mb=512,
        cold_starts=1,
        init_duration_ms=250,
        free_tier=False,
    )
    assert result.bill().total == expected.total
    assert result.bill(free_tier=True).total == 0


def test_provisioned_concurrency_is_billed_while_enabled_and_for_what_ran_on_it():
    config = FunctionConfig("f", memory_mb=1024, duration=100, provisioned_concurrency=2)
    result = simulate(config, Steady("f", rate_per_s=1, duration_s=4))
    bill = {line.description: line.quantity for line in result.bill()}
    # Two 1 GB environments for 3.1 s, rounded up to 5 minutes; four 0.1 s runs on them.
    assert bill["Provisioned concurrency x86_64"] == Decimal(600)
    assert bill["Duration x86_64, provisioned concurrency"] == Decimal("0.4")
    assert bill["Requests, provisioned concurrency"] == 4


def test_cost_grows_over_time_and_ends_at_the_bill():
    config = FunctionConfig("f", memory_mb=2048, duration=LogNormal(80, 0.4, seed=2))
    result = simulate(config, Poisson("f", rate_per_s=50, duration_s=20, seed=1))
    points = result.cost_over_time()
    assert len(points) == len(result.timeline)
    costs = [dollars for _, dollars in points]
    assert costs == sorted(costs) and costs[0] == 0
    assert costs[-1] == result.bill().total > 0


@given(st.floats(min_value=0, max_value=910_000, allow_nan=False))
def test_billed_milliseconds_follow_the_invocation_record_rule(run_ms):
    record = InvocationRecord(
        request_id="r",
        function_name="f",
        version="$LATEST",
        invocation_type="RequestResponse",
        outcome="success",
        start=0.0,
        duration_ms=run_ms,
        memory_mb=128,
        max_memory_used_mb=1,
    )
    assert billed_milliseconds(run_ms) == record.billed_duration_ms


# -- timeline -------------------------------------------------------------------------------------
def test_the_timeline_samples_concurrency_and_environments_as_they_idle_out():
    config = FunctionConfig("f", duration=1000, cold_start=0)
    result = simulate(
        config,
        [Burst("f", size=5), Burst("f", size=1, at_s=10)],
        keep_alive_s=3,
    )
    assert [s.time for s in result.timeline] == [float(t) for t in range(12)]
    # Idle from 1 s, the five environments end at 4 s; the call at 10 s starts a new one.
    assert [s.environments for s in result.timeline] == [0, 5, 5, 5] + [0] * 7 + [1]
    assert [s.peak_concurrency for s in result.timeline][:3] == [0, 5, 0]
    # The last sample is taken when the last call ends (11 s) and still shows its peak.
    assert result.timeline[-1].peak_concurrency == 1
    assert result.timeline[-1].cold_starts == 6 and result.end == 11.0


def test_samples_do_not_drift_and_the_last_one_keeps_the_peak_since_the_one_before():
    config = FunctionConfig("f", duration=250, cold_start=0)
    result = simulate(config, Steady("f", rate_per_s=4, duration_s=3), sample_every_s=0.1)
    assert [s.time for s in result.timeline][:31] == [i * 0.1 for i in range(31)]
    assert result.end == 2.75 + 0.25
    assert all(s.peak_concurrency == 1 for s in result.timeline[1:])


def test_samples_split_concurrency_into_pools_like_the_cloudwatch_metrics():
    configs = [
        FunctionConfig("reserved", duration=2000, reserved_concurrency=3),
        FunctionConfig("shared", duration=2000, provisioned_concurrency=2),
    ]
    arrivals = [Burst("reserved", size=3), Burst("shared", size=5)]
    result = simulate(configs, arrivals, sample_every_s=1)
    at_one_second = result.timeline[1]
    assert at_one_second.concurrency == 8
    # "shared" runs 2 on provisioned environments and spills 3 into the shared pool.
    assert (at_one_second.unreserved_concurrency, at_one_second.provisioned_concurrency) == (3, 2)


def test_latency_percentiles_use_nearest_rank():
    config = FunctionConfig("f", duration=100, cold_start=900)
    # Each call ends as the next arrives, so one environment serves all: 1 cold of 100 calls.
    result = simulate(config, Steady("f", rate_per_s=1, duration_s=100))
    assert result.percentiles(50, 99, 100) == {50: 100.0, 99: 100.0, 100: 1000.0}
    with pytest.raises(ValueError, match=r"a percentile must be in range \(0, 100\] \(got 0\)"):
        result.percentiles(0)


# -- at scale -------------------------------------------------------------------------------------
def _scaling_run():
    config = FunctionConfig(
        "api",
        memory_mb=256,
        timeout_s=10,
        duration=LogNormal(2000, 0.3, seed=5),
        cold_start=LogNormal(400, 0.2, seed=6),
    )
    arrivals = [
        Poisson("api", rate_per_s=300, duration_s=60, seed=4),
        Burst("api", size=20_000, at_s=5, over_s=1),
        Burst("api", size=10_000, at_s=30, over_s=2),
    ]
    return simulate(config, arrivals, account_limit=5_000)


def test_a_large_run_keeps_every_rule():
    result = _scaling_run()
    assert result.arrivals == result.invocations + result.sync_throttles > 45_000
    assert max(s.concurrency for s in result.timeline) <= result.peak_concurrency <= 5_000
    assert result.throttles_by_reason[SCALING_RATE_REASON] > 0
    # Never more new environments than the bucket allows: 1,000 at once, then 100 a second.
    for sample in result.timeline:
        assert sample.cold_starts <= 1_000 + 100 * (sample.time - result.start) + 1
    stats = result.functions["api"]
    assert stats.cold_starts == stats.environments_started


def test_runs_are_reproducible():
    first, second = _scaling_run(), _scaling_run()
    assert first.summary() == second.summary()
    assert first.latencies_ms == second.latencies_ms


# -- plots and the public surface -----------------------------------------------------------------
def test_plots_draw_concurrency_throttles_latency_and_cost():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lambda_lab.simulate.plots import plot_concurrency, plot_cost, plot_latency

    config = FunctionConfig("f", duration=500)
    result = simulate(config, Burst("f", size=40, over_s=2), account_limit=10, sample_every_s=0.5)
    try:
        axes = plot_concurrency(result)
        labels = [line.get_label() for line in axes.get_lines()]
        assert labels[:3] == [
            "concurrency (peak in each sample)",
            "execution environments alive",
            "account limit (10)",
        ]
        throttle_axes = [a for a in axes.figure.axes if a is not axes][0]
        assert sum(bar.get_height() for bar in throttle_axes.patches) == result.throttles > 0
        latency_axes = plot_latency(result)
        marked = [line.get_label().split()[0] for line in latency_axes.get_lines()]
        assert marked == ["p50", "p90", "p99"]
        cost_axes = plot_cost(result)
        assert cost_axes.get_lines()[0].get_ydata()[-1] == pytest.approx(float(result.bill().total))
    finally:
        plt.close("all")


def test_importing_the_simulator_does_not_load_matplotlib():
    code = "import sys, lambda_lab.simulate; print('matplotlib' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False"


def test_the_public_surface_is_pinned():
    assert simulate_package.__all__ == [
        "ACCOUNT_LIMIT_REASON",
        "ASYNC",
        "Account",
        "Burst",
        "ConcurrencyModel",
        "Constant",
        "Empirical",
        "Exponential",
        "FunctionConfig",
        "FunctionStats",
        "InvocationOutcome",
        "LogNormal",
        "Poisson",
        "RESERVED_LIMIT_REASON",
        "Ramp",
        "Result",
        "SCALING_RATE_REASON",
        "SYNC",
        "Sample",
        "Steady",
        "Trace",
        "Uniform",
        "merge",
        "simulate",
        "simulate_trace",
    ]
