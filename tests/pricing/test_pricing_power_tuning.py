"""Power tuning from measured durations: cost per invocation, cheapest and fastest."""

from __future__ import annotations

import io
from fractions import Fraction

import matplotlib
import pytest

from lambda_lab.pricing.calculator import PricingError
from lambda_lab.pricing.power_tuning import PowerTuning, billed_ms, tune

matplotlib.use("Agg")
REQUEST = Fraction("0.0000002")
X86 = Fraction("0.0000166667")
ARM = Fraction("0.0000133334")

# A CPU-bound handler with ~10 ms of fixed overhead: its work halves as memory doubles up to
# one vCPU (1,769 MB), and a single thread gains nothing after that.
CPU_BOUND = [
    (128, [1600.4, 1599.2]),  # billed 1601, 1600 ms: 0.2001 GB-s a run on average
    (256, [790.2, 789.6]),  # 0.19766 GB-s
    (512, [390.3, 389.9]),  # 0.19525 GB-s
    (1024, [190.4, 189.8]),  # 0.1905 GB-s: the cheapest
    (1769, [115.2, 114.9]),  # 0.199528... GB-s
    (3008, [113.1, 112.7]),  # 0.3334 GB-s, and the fastest
]


def test_cost_per_invocation_is_the_mean_of_billed_runs():
    point = tune([(1024, [99.2, 100.0, 100.4])]).points[0]
    billed = [100, 100, 101]  # each run rounded up to the next millisecond
    expected = sum(REQUEST + Fraction(ms, 1000) * X86 for ms in billed) / 3
    assert abs(Fraction(point.cost_per_invocation) - expected) < Fraction(1, 10**25)
    assert point.mean_duration_ms == pytest.approx(99.8666666)


def test_billing_rounds_up_to_the_millisecond_with_a_one_ms_floor():
    assert [billed_ms(d) for d in (0.0, 0.2, 1.0, 1.001, 99.999)] == [1, 1, 1, 2, 100]
    assert billed_ms(0.1 + 0.2 + 2.7) == 3  # float noise (3.0000000000000004) is not a ms


def test_names_the_cheapest_and_the_fastest_settings():
    tuning = tune(CPU_BOUND)
    assert [p.memory_mb for p in tuning.points] == [128, 256, 512, 1024, 1769, 3008]
    assert tuning.fastest.memory_mb == 3008
    assert tuning.cheapest.memory_mb == 1024
    costs = {p.memory_mb: Fraction(p.cost_per_invocation) for p in tuning.points}
    assert costs[1024] == REQUEST + Fraction("0.1905") * X86
    # Past one vCPU the extra memory buys a single thread almost nothing and costs more.
    assert costs[3008] > costs[1769] * Fraction(16, 10)


def test_arm64_uses_its_own_rate():
    x86 = tune([(1024, [100.0])]).points[0].cost_per_invocation
    arm = tune([(1024, [100.0])], architecture="arm64").points[0].cost_per_invocation
    assert Fraction(x86) == REQUEST + Fraction(1, 10) * X86
    assert Fraction(arm) == REQUEST + Fraction(1, 10) * ARM


def test_as_dict_and_markdown_name_the_winners():
    tuning = tune(CPU_BOUND)
    data = tuning.as_dict()
    assert (data["cheapest_mb"], data["fastest_mb"]) == (1024, 3008)
    markdown = tuning._repr_markdown_()
    assert "| 1,024 (cheapest) |" in markdown and "| 3,008 (fastest) |" in markdown


def test_plot_draws_duration_and_cost_against_memory():
    figure = tune(CPU_BOUND).plot()
    duration_axes, cost_axes = figure.axes
    memory, durations = duration_axes.lines[0].get_data()
    assert list(memory) == [128, 256, 512, 1024, 1769, 3008]
    assert list(durations) == sorted(durations, reverse=True)  # falls as memory rises
    assert len(cost_axes.lines[0].get_xdata()) == 6
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("measurements", "message"),
    [
        ([(64, [10.0])], r"'memory_mb' must be in range 128\.\.10240 \(got 64\)"),
        ([(128, [])], r"durations at 128 MB must be a non-empty list"),
        ([(128, [-1.0])], r"durations at 128 MB must be a non-empty list of durations >= 0"),
        ([(128, [1.0]), (128, [2.0])], r"each memory size once"),
        ([], r"at least one"),
    ],
)
def test_bad_measurements_are_refused(measurements, message):
    with pytest.raises(PricingError, match=message):
        tune(measurements)


def test_result_type():
    assert isinstance(tune(CPU_BOUND), PowerTuning)
