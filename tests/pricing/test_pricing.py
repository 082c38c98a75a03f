"""Pricing: AWS's worked examples to the cent, then each billing rule on its own.

The examples are those of https://aws.amazon.com/lambda/pricing/ (2026 text). Only the
page's figures are quoted; each test states which example it is.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from lambda_lab import limits
from lambda_lab.pricing.bill import cents, format_usd, to_decimal
from lambda_lab.pricing.calculator import (
    PricingError,
    Usage,
    async_request_units,
    estimate,
    gb_seconds,
    meter,
    meter_provisioned_concurrency,
    price,
    provisioned_billed_seconds,
)
from lambda_lab.pricing.table import CURRENT

PRICING_PAGE = "https://aws.amazon.com/lambda/pricing/"
D = Decimal


def line_cents(bill, prefix):
    return cents(bill.amount(prefix))


# -- the pricing page's worked examples ------------------------------------------------------
def test_example_mobile_backend_x86():
    # PRICING_PAGE, "Example 1: Mobile application backend": 3M requests, 120 ms, 1536 MB, x86.
    bill = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    duration = [line for line in bill if line.description.startswith("Duration x86_64, first")]
    assert duration[0].quantity == D("140000")  # 540,000 GB-s - 400,000 free = 140,000 GB-s
    assert line_cents(bill, "Duration") == D("2.33")
    assert line_cents(bill, "Requests") == D("0.40")
    assert bill.total_cents == D("2.73")


def test_example_mobile_backend_arm64_from_the_documented_rate():
    # The 2026 page has no arm64 variant of this example; computed from its arm64 rate
    # $0.0000133334 per GB-s: 140,000 GB-s -> $1.87, plus $0.40 of requests.
    bill = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536, architecture="arm64")
    assert line_cents(bill, "Duration arm64") == D("1.87")
    assert bill.total_cents == D("2.27")


def test_example_streaming_telemetry_without_free_tier():
    # PRICING_PAGE, "Example 2: Enriching streaming telemetry": 7.44M requests, 2 s, 1024 MB.
    # The page applies no free tier here: $1.49 of requests + $248.00 of compute = $249.49.
    bill = estimate(requests=7_440_000, duration_ms=2000, memory_mb=1024, free_tier=False)
    assert bill.amount("Requests") == D("1.488")
    assert line_cents(bill, "Duration") == D("248.00")
    assert bill.total_cents == D("249.49")


def test_example_ml_inference_with_ephemeral_storage():
    # PRICING_PAGE, "Example 3: Performing ML on customer support tickets": 6M requests,
    # 280 ms, 4096 MB, 2048 MB of ephemeral storage: $105.33 + $1 + $0.08 = $106.41.
    bill = estimate(requests=6_000_000, duration_ms=280, memory_mb=4096, ephemeral_storage_mb=2048)
    ephemeral = next(line for line in bill if line.description.startswith("Ephemeral"))
    assert ephemeral.quantity == D("2520000")  # 1,680,000 s x 1536 MB / 1024 MB
    assert line_cents(bill, "Duration") == D("105.33")
    assert line_cents(bill, "Requests") == D("1.00")
    assert line_cents(bill, "Ephemeral") == D("0.08")
    assert bill.total_cents == D("106.41")


def test_example_provisioned_concurrency_mobile_launch():
    # PRICING_PAGE, provisioned concurrency "Example 1: Mobile application launch": PC 100 at
    # 1536 MB for 8 hours; 500,000 requests of 100 ms on PC, 2.5M of 120 ms without.
    usage = (
        meter(2_500_000, 120, 1536)
        + meter(500_000, 100, 1536, provisioned=True)
        + meter_provisioned_concurrency(100, 1536, 8 * 3600)
    )
    bill = price(usage)
    assert bill.amount("Provisioned concurrency") == D("4320000") * D("0.0000041667")
    assert line_cents(bill, "Provisioned concurrency") == D("18.00")
    assert line_cents(bill, "Requests") == D("0.40")
    assert line_cents(bill, "Duration x86_64, provisioned") == D("0.73")
    assert line_cents(bill, "Duration x86_64, first") == D("0.83")  # 50,000 GB-s after free
    assert bill.total_cents == D("19.96")


def test_example_provisioned_concurrency_cyber_monday():
    # PRICING_PAGE, provisioned concurrency "Example 2": PC 7 at 4096 MB for 24 hours, 2M
    # requests of 280 ms, all on PC: $10.08 + $21.78 + $0.40 = $32.26 (no free tier on PC).
    bill = estimate(
        requests=2_000_000,
        duration_ms=280,
        memory_mb=4096,
        provisioned_concurrency=7,
        provisioned_hours=24,
    )
    assert line_cents(bill, "Provisioned concurrency") == D("10.08")
    assert line_cents(bill, "Duration x86_64, provisioned") == D("21.78")
    assert line_cents(bill, "Requests") == D("0.40")
    assert bill.total_cents == D("32.26")


# -- volume tiers ---------------------------------------------------------------------------
def priced_duration(arch, gb_s, free_tier=False):
    return price(Usage(duration={arch: D(gb_s)}), free_tier=free_tier)


def test_tier_boundaries_x86():
    at_edge = priced_duration("x86_64", 6_000_000_000)
    assert [line.unit_price for line in at_edge] == [D("0.0000166667")]
    one_over = priced_duration("x86_64", 6_000_000_001)
    assert [(line.quantity, line.unit_price) for line in one_over] == [
        (D(6_000_000_000), D("0.0000166667")),
        (D(1), D("0.000015")),
    ]
    all_three = priced_duration("x86_64", 20_000_000_000)
    assert [line.quantity for line in all_three] == [D(6e9), D(9e9), D(5e9)]
    assert [line.description for line in all_three] == [
        "Duration x86_64, first 6 billion GB-s",
        "Duration x86_64, next 9 billion GB-s",
        "Duration x86_64, over 15 billion GB-s",
    ]
    assert all_three.total == (
        D(6e9) * D("0.0000166667") + D(9e9) * D("0.000015") + D(5e9) * D("0.0000133334")
    )


def test_tier_boundaries_arm64():
    bill = priced_duration("arm64", 20_000_000_000)
    assert [(line.quantity, line.unit_price) for line in bill] == [
        (D("7500000000"), D("0.0000133334")),
        (D("11250000000"), D("0.0000120001")),
        (D("1250000000"), D("0.0000106667")),
    ]


def test_tiers_count_each_architecture_separately():
    usage = Usage(duration={"x86_64": D(5e9), "arm64": D(5e9)})
    bill = price(usage, free_tier=False)
    assert [line.description for line in bill] == [
        "Duration x86_64, first 6 billion GB-s",
        "Duration arm64, first 7.5 billion GB-s",
    ]


def test_free_gb_seconds_are_the_first_ones_of_the_first_tier():
    bill = priced_duration("x86_64", 6_000_000_100, free_tier=True)
    assert [(line.quantity, line.unit_price) for line in bill] == [
        (D(400_000), D(0)),
        (D(6_000_000_000 - 400_000), D("0.0000166667")),
        (D(100), D("0.000015")),
    ]


# -- free tier ------------------------------------------------------------------------------
def test_free_tier_is_shared_by_both_architectures():
    usage = meter(600_000, 500, 1024) + meter(600_000, 500, 1024, architecture="arm64")
    bill = price(usage)
    quantities = {line.description: line.quantity for line in bill}
    assert quantities["Requests, free tier"] == D(1_000_000)
    assert quantities["Requests"] == D(200_000)  # 1.2M requests in all, 1M of them free
    assert quantities["Duration x86_64, free tier"] == D(300_000)
    assert quantities["Duration arm64, free tier"] == D(100_000)  # what x86 left of 400,000
    assert quantities["Duration arm64, first 7.5 billion GB-s"] == D(200_000)
    assert bill.total == D(200_000) * D("0.0000002") + D(200_000) * D("0.0000133334")


def test_free_tier_can_be_switched_off():
    on = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    off = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536, free_tier=False)
    assert not any("free tier" in line.description for line in off)
    assert off.total == D(3_000_000) * D("0.0000002") + D(540_000) * D("0.0000166667")
    assert off.total - on.total == D(1_000_000) * D("0.0000002") + D(400_000) * D("0.0000166667")


def test_free_tier_never_covers_provisioned_concurrency():
    bill = estimate(
        requests=1000,
        duration_ms=100,
        memory_mb=1024,
        provisioned_concurrency=1,
        provisioned_hours=1,
    )
    assert not any("free tier" in line.description for line in bill)
    assert bill.total == (
        D(1000) * D("0.0000002") + D(100) * D("0.0000097222") + D(3600) * D("0.0000041667")
    )


# -- provisioned concurrency time -------------------------------------------------------------
@pytest.mark.parametrize(
    ("enabled", "billed"),
    [
        (0, 0),
        (1, 300),
        (299.999, 300),
        (300, 300),
        (300.001, 600),
        (3601, 3900),
        (D("28800"), 28800),
    ],
)
def test_provisioned_time_rounds_up_to_five_minutes(enabled, billed):
    assert provisioned_billed_seconds(enabled) == billed


def test_provisioned_concurrency_gb_seconds_use_the_rounded_time():
    usage = meter_provisioned_concurrency(2, 1024, 301, architecture="arm64")
    assert usage.provisioned_concurrency == {"arm64": D(1200)}  # 2 x 1 GB x 600 s
    line = price(usage).lines[0]
    assert line.description == "Provisioned concurrency arm64"
    assert line.unit_price == D("0.0000033334")


def test_estimate_splits_requests_between_pc_and_on_demand():
    bill = estimate(
        requests=3_000_000,
        duration_ms=100,
        memory_mb=1024,
        provisioned_concurrency=10,
        provisioned_hours=D("0.5"),
        provisioned_requests=1_000_000,
        free_tier=False,
    )
    quantities = {line.description: line.quantity for line in bill}
    assert quantities["Requests"] == D(2_000_000)
    assert quantities["Requests, provisioned concurrency"] == D(1_000_000)
    assert quantities["Duration x86_64, provisioned concurrency"] == D(100_000)
    assert quantities["Provisioned concurrency x86_64"] == D(18_000)  # 10 x 1 GB x 1,800 s


# -- async requests -----------------------------------------------------------------------------
KB = 1024


@pytest.mark.parametrize(
    ("size", "units"),
    [(0, 1), (256 * KB, 1), (256 * KB + 1, 2), (320 * KB, 2), (320 * KB + 1, 3), (1024 * KB, 13)],
)
def test_async_events_count_a_request_per_64_kb_beyond_256_kb(size, units):
    assert async_request_units(size) == units


def test_async_event_over_one_megabyte_is_refused():
    with pytest.raises(PricingError, match=r"'event_bytes' must be in range 0\.\.1048576"):
        async_request_units(limits.ASYNC_PAYLOAD_MAX_BYTES + 1)


def test_async_chunks_are_billed_as_requests():
    bill = estimate(
        requests=1_000_000,
        duration_ms=10,
        memory_mb=128,
        async_event_bytes=300 * KB,
        free_tier=False,
    )
    assert next(line for line in bill if line.description == "Requests").quantity == D(2_000_000)


# -- INIT ------------------------------------------------------------------------------------
def test_cold_starts_add_billed_init_time_but_no_requests():
    warm = estimate(requests=1000, duration_ms=100, memory_mb=1024, free_tier=False)
    cold = estimate(
        requests=1000,
        duration_ms=100,
        memory_mb=1024,
        free_tier=False,
        cold_starts=10,
        init_duration_ms=250,
    )
    assert cold.total - warm.total == D(10) * D("0.25") * D("0.0000166667")


# -- exactness --------------------------------------------------------------------------------
def test_amounts_are_exact_decimals_without_float_drift():
    bill = estimate(requests=10_000_001, duration_ms=0.1, memory_mb=129, free_tier=False)
    gb_s = Fraction(10_000_001) * Fraction("0.1") / 1000 * Fraction(129, 1024)
    expected = Fraction(10_000_001) * Fraction("0.0000002") + gb_s * Fraction("0.0000166667")
    assert Fraction(bill.total) == expected
    # The same sum in binary floats misses it: the drift this module exists to avoid.
    in_floats = 10_000_001 * 0.0000002 + 10_000_001 * 0.0001 * 129 / 1024 * 0.0000166667
    assert Fraction(in_floats) != expected


def test_floats_are_read_by_their_decimal_text():
    assert to_decimal(0.1, "x") == D("0.1")
    assert gb_seconds(0.1, 1024) == D("0.0001")


def test_totals_round_to_the_cent_half_up_only_for_display():
    assert cents(D("0.005")) == D("0.01")
    assert cents(D("2.733338")) == D("2.73")
    assert format_usd(D("1234.5")) == "$1,234.50"
    assert format_usd(D("0.00000208333750")) == "$0.00000208"
    assert format_usd(D(0)) == "$0.00"


# -- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (dict(memory_mb=64), r"'memory_mb' must be in range 128\.\.10240 \(got 64\)"),
        (dict(memory_mb=1536.0), r"'memory_mb' must be an integer \(got 1536\.0\)"),
        (dict(architecture="sparc"), r"must be one of x86_64, arm64 \(got 'sparc'\)"),
        (dict(ephemeral_storage_mb=256), r"'ephemeral_storage_mb' must be in range 512\.\.10240"),
        (dict(duration_ms=-1), r"'duration_ms' must be in range 0\.\.910000 \(got -1\)"),
        (dict(duration_ms="fast"), r"'duration_ms' must be a number \(got 'fast'\)"),
        (dict(duration_ms=float("nan")), r"'duration_ms' must be a finite number"),
        (dict(requests=-5), r"'requests' must be >= 0 \(got -5\)"),
        (dict(provisioned_hours=745, provisioned_concurrency=1), r"in range 0\.\.744"),
        (dict(provisioned_concurrency=1, provisioned_requests=4_000_000), r"0\.\.3000000"),
    ],
)
def test_bad_estimates_name_the_argument_the_range_and_the_value(arguments, message):
    base = dict(requests=3_000_000, duration_ms=120, memory_mb=1536)
    with pytest.raises(PricingError, match=message):
        estimate(**{**base, **arguments})


# -- the price table and the views ---------------------------------------------------------------
def test_price_table_has_every_architecture_and_names_its_sources():
    for table in (CURRENT.duration_tiers, CURRENT.provisioned_concurrency_per_gb_second):
        assert set(table) == set(limits.ARCHITECTURES)
    assert CURRENT.region == limits.DEFAULT_REGION
    assert PRICING_PAGE in CURRENT.sources["PRICE"]


def test_bill_views_show_every_line_and_the_total():
    bill = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    text = str(bill)
    assert "Duration x86_64, first 6 billion GB-s" in text and "$2.73" in text
    assert "AWS Lambda monthly bill (us-east-1, prices read 2026)" in text
    markdown = bill._repr_markdown_()
    assert "| Requests | 2,000,000 | requests | $0.0000002 | $0.40 |" in markdown
    assert "**$2.73**" in markdown
    html = bill._repr_html_()
    assert html.count("<tr>") == len(bill.lines) + 2  # header, lines, total
    assert "$2.33" in html and "<caption>" in html


def test_bill_as_dict_is_json_with_exact_strings():
    bill = estimate(requests=3_000_000, duration_ms=120, memory_mb=1536)
    data = json.loads(json.dumps(bill.as_dict()))
    assert data["total"] == "2.733338" and data["total_cents"] == "2.73"
    assert data["lines"][1] == {
        "description": "Requests",
        "quantity": "2000000",
        "unit": "requests",
        "unit_price": "0.0000002",
        "amount": "0.4",
    }
    assert sum(D(line["amount"]) for line in data["lines"]) == D(data["total"])
