"""Exact AWS Lambda bills: price a month of metered usage line by line.

Two steps, so that a what-if month and the bill of what really ran share one price path:
*metering* (``pricing_usage``: :func:`meter`, :func:`meter_provisioned_concurrency`,
:func:`meter_records`, each returning a :class:`Usage`; usages add up with ``+``), then
:func:`price`, which turns a :class:`Usage` into an itemised :class:`Bill`.

Rules the Lab applies (AWS's, from the pricing page, unless marked as the Lab's choice):

- Duration tiers count the month's GB-s per architecture; the free GB-s are the first ones.
- The free tier (1M requests and 400,000 GB-s a month) is shared by both architectures and
  never applies to PC charges: not to PC requests, PC duration or PC enabled time. This
  rule reproduces both PC examples on the pricing page. Which architecture gets the free
  GB-s first is not documented: the Lab gives them to x86_64 first (its rate is higher).
- The INIT phase is billed as duration: a record's ``billed_duration_ms`` already holds it.

:func:`estimate` prices one what-if month; :func:`bill_from_records` prices what ran in a
Lab, optionally scaled to a month (:class:`MonthScale`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from lambda_lab import limits
from lambda_lab.pricing.bill import EXACT, Bill, BillLine, PricingError, to_decimal
from lambda_lab.pricing.table import CURRENT, HOURS_PER_MONTH, MAX_HOURS_IN_A_MONTH, PriceTable
from lambda_lab.pricing.usage import (
    Usage,
    async_request_units,
    gb_seconds,
    meter,
    meter_provisioned_concurrency,
    meter_records,
    provisioned_billed_seconds,
    require_int,
)

if TYPE_CHECKING:
    from lambda_lab.monitoring.records import InvocationRecord, RecordStore

__all__ = [
    "Bill",
    "BillLine",
    "MonthScale",
    "PricingError",
    "Usage",
    "async_request_units",
    "bill_from_records",
    "bill_from_store",
    "bill_from_usage",
    "estimate",
    "gb_seconds",
    "meter",
    "meter_provisioned_concurrency",
    "meter_records",
    "price",
    "provisioned_billed_seconds",
]


def _tier_label(previous_end: Decimal, end: Decimal | None) -> str:
    def billions(value: Decimal) -> str:
        return f"{(value / 10**9).normalize():f} billion GB-s"

    if end is None:
        return f"over {billions(previous_end)}"
    return f"first {billions(end)}" if previous_end == 0 else f"next {billions(end - previous_end)}"


def _duration_lines(arch: str, total: Decimal, free: Decimal, table: PriceTable) -> list[BillLine]:
    lines = []
    if free > 0:
        lines.append(BillLine(f"Duration {arch}, free tier", free, "GB-s", Decimal(0)))
    start = Decimal(0)
    for tier in table.duration_tiers[arch]:
        end = total if tier.up_to_gb_seconds is None else min(total, tier.up_to_gb_seconds)
        # The free GB-s are the month's first ones, so they come out of the first tier.
        quantity = max(Decimal(0), end - max(start, free))
        if quantity > 0:
            label = _tier_label(start, tier.up_to_gb_seconds)
            unit_price = tier.price_per_gb_second
            lines.append(BillLine(f"Duration {arch}, {label}", quantity, "GB-s", unit_price))
        if tier.up_to_gb_seconds is None or total <= tier.up_to_gb_seconds:
            break
        start = tier.up_to_gb_seconds
    return lines


def price(usage: Usage, *, free_tier: bool = True, table: PriceTable = CURRENT) -> Bill:
    """Itemise and price a month of ``usage`` (free tier on unless ``free_tier=False``)."""
    lines: list[BillLine] = []

    def charge(description: str, quantity: Decimal | int, unit: str, unit_price: Decimal) -> None:
        if quantity > 0:
            lines.append(BillLine(description, Decimal(quantity), unit, unit_price))

    with localcontext(EXACT):
        free_requests = min(usage.requests, limits.FREE_TIER_REQUESTS) if free_tier else 0
        charge("Requests, free tier", free_requests, "requests", Decimal(0))
        charge("Requests", usage.requests - free_requests, "requests", table.request)
        free_gb_s = Decimal(limits.FREE_TIER_GB_SECONDS if free_tier else 0)
        for arch in limits.ARCHITECTURES:  # x86_64 first: it takes the shared free GB-s first
            total = usage.duration.get(arch, Decimal(0))
            free = min(total, free_gb_s)
            free_gb_s -= free
            lines.extend(_duration_lines(arch, total, free, table))
        ephemeral_price = table.ephemeral_per_gb_second
        charge("Ephemeral storage above 512 MB", usage.ephemeral, "GB-s", ephemeral_price)
        pc_requests = usage.provisioned_requests
        charge("Requests, provisioned concurrency", pc_requests, "requests", table.request)
        for arch in limits.ARCHITECTURES:
            enabled = usage.provisioned_concurrency.get(arch, Decimal(0))
            pc_price = table.provisioned_concurrency_per_gb_second[arch]
            charge(f"Provisioned concurrency {arch}", enabled, "GB-s", pc_price)
            ran = usage.provisioned_duration.get(arch, Decimal(0))
            ran_price = table.provisioned_duration_per_gb_second[arch]
            charge(f"Duration {arch}, provisioned concurrency", ran, "GB-s", ran_price)
    notes = (
        f"Free tier: {limits.FREE_TIER_REQUESTS:,} requests and {limits.FREE_TIER_GB_SECONDS:,} "
        "GB-s a month, shared by x86_64 and arm64; not for provisioned concurrency."
        if free_tier
        else "Free tier not applied.",
    )
    title = f"AWS Lambda monthly bill ({table.region}, prices read {table.read})"
    return Bill(tuple(lines), notes=notes, title=title)


def estimate(
    *,
    requests: int,
    duration_ms: object,
    memory_mb: int,
    architecture: str = limits.DEFAULT_ARCHITECTURE,
    ephemeral_storage_mb: int = limits.EPHEMERAL_DEFAULT_MB,
    free_tier: bool = True,
    provisioned_concurrency: int = 0,
    provisioned_hours: object = 0,
    provisioned_requests: int | None = None,
    async_event_bytes: int | None = None,
    cold_starts: int = 0,
    init_duration_ms: object = 0,
    table: PriceTable = CURRENT,
) -> Bill:
    """The bill of a what-if month: ``requests`` of ``duration_ms`` at ``memory_mb``.

    With ``provisioned_concurrency`` N for ``provisioned_hours`` H, ``provisioned_requests``
    of the requests (all of them by default) run on the PC environments. ``cold_starts``
    on-demand requests each add ``init_duration_ms`` of billed INIT.
    """
    require_int(requests, "requests", 0)
    pc = require_int(provisioned_concurrency, "provisioned_concurrency", 0)
    hours = to_decimal(provisioned_hours, "provisioned_hours")
    if not 0 <= hours <= MAX_HOURS_IN_A_MONTH:
        raise PricingError(
            f"'provisioned_hours' must be in range 0..{MAX_HOURS_IN_A_MONTH}"
            f" (got {provisioned_hours})"
        )
    on_pc = 0 if pc == 0 else requests if provisioned_requests is None else provisioned_requests
    require_int(on_pc, "provisioned_requests", 0, requests)
    on_demand = requests - on_pc
    require_int(cold_starts, "cold_starts", 0, on_demand)

    def metered(count: int, duration: object, **extra: Any) -> Usage:
        return meter(
            count,
            duration,
            memory_mb,
            architecture=architecture,
            ephemeral_storage_mb=ephemeral_storage_mb,
            **extra,
        )

    usage = metered(on_demand, duration_ms, async_event_bytes=async_event_bytes)
    usage += metered(on_pc, duration_ms, async_event_bytes=async_event_bytes, provisioned=True)
    if cold_starts:
        init = metered(cold_starts, init_duration_ms)
        # INIT is billed time (duration and /tmp), never an extra request.
        usage += Usage(duration=init.duration, ephemeral=init.ephemeral)
    if pc:
        with localcontext(EXACT):
            seconds = hours * 3600
        usage += meter_provisioned_concurrency(pc, memory_mb, seconds, architecture=architecture)
    return price(usage, free_tier=free_tier, table=table)


@dataclass(frozen=True)
class MonthScale:
    """How observed traffic becomes a month: to a number of invocations a month, or a rate.

    ``MonthScale(3_000_000)`` or ``MonthScale.per_second(1.5)`` (a month is 730 hours, the
    AWS Pricing Calculator's month). A plain int passed as ``month_scale`` means the first.
    """

    invocations_per_month: int

    def __post_init__(self) -> None:
        require_int(self.invocations_per_month, "invocations_per_month", 0)

    @classmethod
    def per_second(cls, rate: object) -> MonthScale:
        per_second = to_decimal(rate, "rate")
        if per_second < 0:
            raise PricingError(f"'rate' must be >= 0 invocations per second (got {rate})")
        return cls(round(Fraction(per_second) * HOURS_PER_MONTH * 3600))


def bill_from_records(
    records: Iterable[InvocationRecord],
    *,
    month_scale: MonthScale | int | None = None,
    free_tier: bool = True,
    provisioned_concurrency: Usage | None = None,
    table: PriceTable = CURRENT,
) -> Bill:
    """The bill of what ran; with ``month_scale``, of that traffic grown to a month.

    ``provisioned_concurrency`` adds PC enabled time (see :func:`meter_provisioned_concurrency`);
    it is configuration, so month scaling leaves it as given.
    """
    return bill_from_usage(
        meter_records(records),
        month_scale=month_scale,
        free_tier=free_tier,
        provisioned_concurrency=provisioned_concurrency,
        table=table,
    )


def bill_from_store(
    store: RecordStore,
    function: str | None = None,
    *,
    month_scale: MonthScale | int | None = None,
    free_tier: bool = True,
) -> Bill:
    """A Lab's bill (``lab.bill()``): its record store's running totals, exact and as fast at any
    count, for every function or one; it says how many records the store no longer keeps."""
    usage = store.usage(function)
    dropped = store.dropped if function is None else store.dropped_for(function)
    notes = (
        (
            f"{dropped:,} of these invocations are no longer in lab.records (it keeps the "
            f"newest {store.max_records:,}); their usage is still counted here.",
        )
        if dropped
        else ()
    )
    return bill_from_usage(usage, month_scale=month_scale, free_tier=free_tier, notes=notes)


def bill_from_usage(
    usage: Usage,
    *,
    month_scale: MonthScale | int | None = None,
    free_tier: bool = True,
    provisioned_concurrency: Usage | None = None,
    table: PriceTable = CURRENT,
    notes: tuple[str, ...] = (),
) -> Bill:
    """:func:`bill_from_records` for usage already metered (a Lab's running totals)."""
    kept: list[str] = [f"Priced from {usage.invocations:,} billed invocation(s).", *notes]
    if month_scale is not None:
        scale = month_scale if isinstance(month_scale, MonthScale) else MonthScale(month_scale)
        if usage.invocations == 0:
            raise PricingError("cannot scale to a month: no billed invocation records")
        factor = Fraction(scale.invocations_per_month, usage.invocations)
        usage = usage.scaled(factor)
        kept.append(f"Scaled to {scale.invocations_per_month:,} invocations a month.")
    if provisioned_concurrency is not None:
        usage += Usage(provisioned_concurrency=provisioned_concurrency.provisioned_concurrency)
    bill = price(usage, free_tier=free_tier, table=table)
    return replace(bill, notes=tuple(kept) + bill.notes)
