"""Bills from invocation records: equal to a hand sum of the records' own fields."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from lambda_lab.monitoring.records import InvocationRecord
from lambda_lab.pricing.calculator import (
    MonthScale,
    PricingError,
    bill_from_records,
    estimate,
    meter_provisioned_concurrency,
)

D = Decimal
# The pricing page's rates (https://aws.amazon.com/lambda/pricing/), typed out again here so
# that a wrong price table fails these tests instead of agreeing with itself.
REQUEST = Fraction("0.0000002")
X86 = Fraction("0.0000166667")
ARM = Fraction("0.0000133334")
EPHEMERAL = Fraction("0.0000000309")
PC_DURATION_X86 = Fraction("0.0000097222")


def record(n, **fields):
    defaults = dict(
        request_id=f"req-{n}",
        function_name="demo-lambda",
        version="$LATEST",
        invocation_type="RequestResponse",
        outcome="success",
        start=1_700_000_000.0 + n,
        duration_ms=10.0,
        memory_mb=128,
        max_memory_used_mb=40,
    )
    return InvocationRecord(**{**defaults, **fields})


RECORDS = [
    record(1, duration_ms=12.34, init_duration_ms=250.61, cold=True),  # billed 263 ms
    record(2, duration_ms=3.0),  # exactly 3 ms, billed 3
    record(3, duration_ms=0.2, memory_mb=1536, architecture="arm64"),  # billed 1 ms minimum
    record(4, duration_ms=99.999, memory_mb=1024, ephemeral_storage_mb=2048, outcome="error"),
    record(5, duration_ms=40.5, invocation_type="Event", request_bytes=300 * 1024),  # 2 requests
    record(6, duration_ms=20.0, memory_mb=2048, provisioned=True),
    record(7, duration_ms=5000.0, outcome="timeout"),
    record(8, duration_ms=0.0, outcome="throttled"),  # never billed
]


def hand_sum(records):
    """The bill computed from the fields alone, without the pricing module."""
    total = Fraction(0)
    for r in records:
        if r.outcome == "throttled":
            continue
        billed_ms = max(1, math.ceil(r.duration_ms + (r.init_duration_ms or 0)))
        gb_s = Fraction(billed_ms, 1000) * Fraction(r.memory_mb, 1024)
        requests = 1
        if r.invocation_type == "Event" and r.request_bytes > 256 * 1024:
            requests += math.ceil((r.request_bytes - 256 * 1024) / (64 * 1024))
        total += requests * REQUEST
        if r.provisioned:
            total += gb_s * PC_DURATION_X86
        else:
            total += gb_s * (ARM if r.architecture == "arm64" else X86)
        extra_gb = Fraction(r.ephemeral_storage_mb - 512, 1024)
        total += Fraction(billed_ms, 1000) * extra_gb * EPHEMERAL
    return total


def test_bill_of_records_equals_the_hand_sum_of_their_fields():
    bill = bill_from_records(RECORDS, free_tier=False)
    assert Fraction(bill.total) == hand_sum(RECORDS)
    quantities = {line.description: line.quantity for line in bill}
    assert quantities["Requests"] == 7  # 7 billed records, one of them 2 requests, one on PC
    assert quantities["Requests, provisioned concurrency"] == 1
    assert (
        quantities["Duration x86_64, first 6 billion GB-s"]
        == (D(263) * 128 + D(3) * 128 + D(100) * 1024 + D(41) * 128 + D(5000) * 128) / 1024 / 1000
    )
    assert quantities["Duration arm64, first 7.5 billion GB-s"] == D("0.0015")  # 1 ms x 1.5 GB
    assert quantities["Ephemeral storage above 512 MB"] == D("0.15")  # 100 ms x 1.5 GB


def test_init_time_is_billed_through_billed_duration():
    cold = record(1, duration_ms=10.0, init_duration_ms=190.0, cold=True)
    warm = record(2, duration_ms=10.0)
    cold_total = bill_from_records([cold], free_tier=False).total
    difference = cold_total - bill_from_records([warm], free_tier=False).total
    assert Fraction(difference) == Fraction(190, 1000) * Fraction(128, 1024) * X86


def test_small_lab_bills_fit_in_the_free_tier():
    bill = bill_from_records(RECORDS)
    free = {line.description: line.quantity for line in bill if "free tier" in line.description}
    assert free == {
        "Requests, free tier": 7,
        "Duration x86_64, free tier": D(263 + 3 + 41 + 5000) * D("0.000125") + D("0.1"),
        "Duration arm64, free tier": D("0.0015"),
    }
    # What is left to pay is what the free tier never covers: provisioned concurrency, /tmp.
    assert {line.description for line in bill if line.unit_price} == {
        "Ephemeral storage above 512 MB",
        "Requests, provisioned concurrency",
        "Duration x86_64, provisioned concurrency",
    }
    pc_gb_s = Fraction(20, 1000) * 2
    ephemeral_gb_s = Fraction("0.15")
    assert Fraction(bill.total) == REQUEST + pc_gb_s * PC_DURATION_X86 + ephemeral_gb_s * EPHEMERAL
    assert bill.total_cents == 0


def test_throttled_records_cost_nothing():
    throttled = [record(n, outcome="throttled", duration_ms=0.0) for n in range(5)]
    assert bill_from_records(throttled, free_tier=False).lines == ()


def test_records_scaled_to_a_month_match_the_what_if_estimate():
    observed = [record(n, duration_ms=119.2, memory_mb=1536) for n in range(3)]  # billed 120
    observed.append(record(9, outcome="throttled"))
    scaled = bill_from_records(observed, month_scale=3_000_000)
    expected = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    assert scaled.lines == expected.lines
    assert scaled.total_cents == D("2.73")  # the pricing page's mobile-backend example
    assert scaled.notes[:2] == (
        "Priced from 3 billed invocation(s).",
        "Scaled to 3,000,000 invocations a month.",
    )


def test_a_rate_becomes_a_730_hour_month():
    assert MonthScale.per_second(1).invocations_per_month == 2_628_000
    assert MonthScale.per_second("0.5").invocations_per_month == 1_314_000
    observed = [record(1, duration_ms=99.5, memory_mb=1024)]
    bill = bill_from_records(observed, month_scale=MonthScale.per_second(1), free_tier=False)
    assert Fraction(bill.total) == 2_628_000 * (REQUEST + Fraction(1, 10) * X86)


def test_uneven_scaling_rounds_only_to_a_billionth_of_a_gb_second():
    observed = [record(n, duration_ms=1.0) for n in range(7)]  # 7 x 1 ms x 0.125 GB
    bill = bill_from_records(observed, month_scale=1_000_000, free_tier=False)
    quantities = {line.description: line.quantity for line in bill}
    assert quantities["Requests"] == 1_000_000
    assert quantities["Duration x86_64, first 6 billion GB-s"] == D("125.000000000")


def test_provisioned_concurrency_time_is_added_and_not_scaled():
    observed = [record(1, duration_ms=50.0, memory_mb=1024, provisioned=True)]
    enabled = meter_provisioned_concurrency(2, 1024, 3600)
    plain = bill_from_records(observed, provisioned_concurrency=enabled)
    scaled = bill_from_records(observed, provisioned_concurrency=enabled, month_scale=1000)
    for bill in (plain, scaled):
        pc = next(line for line in bill if line.description == "Provisioned concurrency x86_64")
        assert pc.quantity == 7200  # 2 x 1 GB x 3,600 s, whatever the traffic


def test_scaling_without_billed_records_is_refused():
    with pytest.raises(PricingError, match="no billed invocation records"):
        bill_from_records([record(1, outcome="throttled")], month_scale=1000)
    with pytest.raises(PricingError, match=r"'invocations_per_month' must be >= 0 \(got -1\)"):
        MonthScale(-1)


def test_a_bad_record_is_named():
    oversized = record(1, invocation_type="Event", request_bytes=2 * 1024 * 1024)
    with pytest.raises(PricingError, match=r"record req-1: 'event_bytes' must be in range"):
        bill_from_records([oversized])
