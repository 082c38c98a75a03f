"""The calculator widget, driven the way a learner does: by setting the controls' values."""

from __future__ import annotations

from decimal import Decimal

import matplotlib
import pytest

from lambda_lab.pricing.calculator import PricingError
from lambda_lab.widgets.pricing import PricingCalculator

matplotlib.use("Agg")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def calculator():
    # Defaults are the pricing page's mobile-backend example: 3M requests, 120 ms, 1536 MB.
    return PricingCalculator()


def test_opens_on_the_mobile_backend_example(calculator):
    assert calculator.bill.total_cents == Decimal("2.73")
    assert "$2.73" in calculator.bill_view.value
    assert bytes(calculator.plot_view.value).startswith(PNG_MAGIC)


def test_bill_follows_the_controls(calculator):
    calculator.architecture.value = "arm64"
    assert calculator.bill.total_cents == Decimal("2.27")
    assert "Duration arm64, first 7.5 billion GB-s" in calculator.bill_view.value
    calculator.architecture.value = "x86_64"
    calculator.requests.value = 6_000_000
    calculator.duration_ms.value = 280
    calculator.memory_mb.value = 4096
    calculator.ephemeral_storage_mb.value = 2048
    assert calculator.bill.total_cents == Decimal("106.41")  # the page's ephemeral example
    assert "Ephemeral storage above 512 MB" in calculator.bill_view.value
    calculator.free_tier.value = False
    assert "free tier" not in calculator.bill_view.value
    assert calculator.bill.total_cents == Decimal("113.28")  # 1.20 + 112.000224 + 0.077868


def test_plot_redraws_on_change(calculator):
    before = calculator.plot_view.value
    calculator.memory_mb.value = 512
    assert bytes(calculator.plot_view.value) != bytes(before)
    assert bytes(calculator.plot_view.value).startswith(PNG_MAGIC)


def test_cost_against_memory_at_a_fixed_duration_grows_with_memory(calculator):
    calculator.free_tier.value = False
    points = calculator.curve()
    sizes = [memory for memory, _ in points]
    assert sizes[0] == 128 and sizes[-1] == 10240 and 1536 in sizes
    totals = [total for _, total in points]
    assert totals == sorted(totals) and totals[0] < totals[-1]
    assert dict(points)[1536] == calculator.bill.total


def test_cpu_bound_cost_is_flat_up_to_one_vcpu_then_grows(calculator):
    calculator.free_tier.value = False
    calculator.cpu_bound.value = True
    points = dict(calculator.curve())
    # Below 1,769 MB a single-threaded function finishes proportionally faster: same GB-s.
    assert abs(points[128] - points[1769]) < Decimal("0.0001")
    assert points[10240] > points[1769] * 5
    assert calculator.duration_at(128) == Decimal(120 * 1536) / 128
    at_4096 = (Decimal(120 * 1536) / 1769).quantize(Decimal("0.001"))  # no gain past 1 vCPU
    assert calculator.duration_at(4096) == at_4096


def test_cost_against_requests_starts_at_zero_and_includes_now(calculator):
    calculator.plot_against.value = "requests"
    points = calculator.curve()
    assert points[0] == (0, Decimal(0))
    assert (3_000_000, calculator.bill.total) in points
    totals = [total for _, total in points]
    assert totals == sorted(totals)
    # Inside the free tier the month is free.
    assert dict(points)[600_000] == 0


def test_out_of_range_settings_are_refused_not_clamped():
    with pytest.raises(PricingError, match=r"'memory \(MB\)' must be an integer in range 128\.\."):
        PricingCalculator(memory_mb=64)
    with pytest.raises(PricingError, match=r"'duration \(ms\)'"):
        PricingCalculator(duration_ms=0)


def test_renders_as_a_widget(calculator):
    bundle = calculator._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
