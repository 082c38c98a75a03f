"""The price table the Lab bills with: AWS Lambda, US East (N. Virginia), read in 2026.

Every price names where it was read. Sources (see shared/reference/aws-lambda-facts.md §10):

- PRICE: https://aws.amazon.com/lambda/pricing/ as published in 2026. Its worked examples
  spell out the x86 duration rate, the ephemeral storage rate and both provisioned
  concurrency rates in full.
- TIERS: AWS Compute Blog, "Introducing tiered pricing for AWS Lambda" (Aug 2022): the
  tier sizes and their discounts. The exact decimals were cross-checked against a
  third-party extraction of the AWS Price List offer file ``AWSLambda`` (2026).
- PRICE-LIST: that extraction alone (the pricing page's text has no arm64 example for
  provisioned concurrency, so those two arm64 rates are not confirmed by AWS's own page).

The free tier amounts and the billing granularities are AWS numbers, so they live in
``limits.py``; this module holds the dollars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

REGION = "us-east-1"
PRICES_READ = "2026"  # when the numbers below were read

# The AWS Pricing Calculator's month (365 days x 24 h / 12), used to turn a rate into a month.
HOURS_PER_MONTH = 730
# The longest calendar month: provisioned concurrency cannot be on for longer in one bill.
MAX_HOURS_IN_A_MONTH = 31 * 24


@dataclass(frozen=True)
class DurationTier:
    """One volume tier of on-demand duration: its price up to a monthly GB-s total."""

    up_to_gb_seconds: Decimal | None  # where the tier ends (cumulative); None for the last one
    price_per_gb_second: Decimal


@dataclass(frozen=True)
class PriceTable:
    """All Lambda prices of one Region at one date, in US dollars."""

    region: str
    read: str
    request: Decimal  # per request (and per async 64 KB chunk), both architectures
    duration_tiers: Mapping[str, tuple[DurationTier, ...]]  # per architecture
    ephemeral_per_gb_second: Decimal  # /tmp above the free 512 MB
    provisioned_concurrency_per_gb_second: Mapping[str, Decimal]  # while PC is enabled
    provisioned_duration_per_gb_second: Mapping[str, Decimal]  # running on a PC environment
    sources: Mapping[str, str] = field(default_factory=dict)

    def first_tier_price(self, architecture: str) -> Decimal:
        return self.duration_tiers[architecture][0].price_per_gb_second


def _tiers(*pairs: tuple[str | None, str]) -> tuple[DurationTier, ...]:
    return tuple(
        DurationTier(None if end is None else Decimal(end), Decimal(price)) for end, price in pairs
    )


US_EAST_1 = PriceTable(
    region=REGION,
    read=PRICES_READ,
    # PRICE: "$0.20 per 1M requests", the same for x86 and Arm.
    request=Decimal("0.0000002"),
    duration_tiers=MappingProxyType(
        {
            # PRICE (first tier, "$0.0000166667 per GB-s" in every x86 example) and TIERS:
            # first 6 billion GB-s, next 9 billion (-10%), over 15 billion (-20%).
            "x86_64": _tiers(
                ("6000000000", "0.0000166667"),
                ("15000000000", "0.000015"),
                (None, "0.0000133334"),
            ),
            # TIERS: first 7.5 billion GB-s, next 11.25 billion, over 18.75 billion; the
            # first-tier rate also appears in PRICE's durable-functions example (arm64).
            "arm64": _tiers(
                ("7500000000", "0.0000133334"),
                ("18750000000", "0.0000120001"),
                (None, "0.0000106667"),
            ),
        }
    ),
    # PRICE, ephemeral storage example: "$0.0000000309 for every GB-second", both architectures.
    ephemeral_per_gb_second=Decimal("0.0000000309"),
    provisioned_concurrency_per_gb_second=MappingProxyType(
        {
            "x86_64": Decimal("0.0000041667"),  # PRICE, provisioned concurrency examples
            "arm64": Decimal("0.0000033334"),  # PRICE-LIST only
        }
    ),
    provisioned_duration_per_gb_second=MappingProxyType(
        {
            "x86_64": Decimal("0.0000097222"),  # PRICE, provisioned concurrency examples
            "arm64": Decimal("0.0000077778"),  # PRICE-LIST only
        }
    ),
    sources=MappingProxyType(
        {
            "PRICE": "https://aws.amazon.com/lambda/pricing/ (read 2026)",
            "TIERS": "AWS Compute Blog, Introducing tiered pricing for AWS Lambda (Aug 2022)",
            "PRICE-LIST": "AWS Price List offer AWSLambda, third-party extraction (2026)",
        }
    ),
)

CURRENT = US_EAST_1
