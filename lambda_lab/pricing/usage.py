"""Metering: traffic turned into the quantities AWS bills, as a :class:`Usage`.

Request units (an async event over 256 KB counts one more request per further 64 KB),
GB-seconds of on-demand duration per architecture, GB-seconds run on provisioned-concurrency
(PC) environments, GB-seconds of PC kept enabled (rounded up to 5 minutes) and GB-seconds
of ephemeral storage above the free 512 MB. Everything is an exact Decimal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING

from lambda_lab import limits
from lambda_lab.pricing.bill import EXACT, PricingError, to_decimal

if TYPE_CHECKING:
    from fractions import Fraction

    from lambda_lab.monitoring.records import InvocationRecord

_MB_MS_PER_GB_S = 1024 * 1000  # 1 GB-s = 1,024 MB x 1,000 ms
_SCALED_GB_S = Decimal("0.000000001")  # scaled usage is kept to a billionth of a GB-s
_SCALING = Context(prec=80)  # month scaling is the one step that may round (to _SCALED_GB_S)
# The longest billed duration of one invocation: a full INIT followed by a full timeout.
_LONGEST_BILLED_MS = (limits.INIT_TIMEOUT_S + limits.TIMEOUT_MAX_S) * 1000


def require_int(value: object, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PricingError(f"{name!r} must be an integer (got {value!r})")
    if value < low or (high is not None and value > high):
        expected = f"in range {low}..{high}" if high is not None else f">= {low}"
        raise PricingError(f"{name!r} must be {expected} (got {value})")
    return value


def require_architecture(architecture: str) -> str:
    if architecture not in limits.ARCHITECTURES:
        raise PricingError(
            f"'architecture' must be one of {', '.join(limits.ARCHITECTURES)}"
            f" (got {architecture!r})"
        )
    return architecture


def gb_seconds(duration_ms: object, memory_mb: int) -> Decimal:
    """Exact GB-seconds of ``duration_ms`` at ``memory_mb`` (1 GB = 1,024 MB)."""
    duration = to_decimal(duration_ms, "duration_ms")
    with localcontext(EXACT):
        return duration * memory_mb / _MB_MS_PER_GB_S


def async_request_units(event_bytes: int) -> int:
    """Requests billed for one async event: 1 for the first 256 KB, +1 per further 64 KB."""
    size = require_int(event_bytes, "event_bytes", 0, limits.ASYNC_PAYLOAD_MAX_BYTES)
    beyond = max(0, size - limits.ASYNC_BILLING_FIRST_BYTES)
    return 1 + -(-beyond // limits.ASYNC_BILLING_CHUNK_BYTES)  # a part chunk counts whole


def provisioned_billed_seconds(enabled_seconds: object) -> int:
    """PC enabled time as billed: rounded up to the next 5 minutes."""
    seconds = to_decimal(enabled_seconds, "enabled_seconds")
    if seconds < 0:
        raise PricingError(f"'enabled_seconds' must be >= 0 (got {enabled_seconds})")
    step = limits.PROVISIONED_BILLING_GRANULARITY_S
    with localcontext(EXACT):
        whole_steps, part = divmod(seconds, step)  # seconds >= 0, so this is a floor
    return (int(whole_steps) + (1 if part else 0)) * step


def _add(a: Mapping[str, Decimal], b: Mapping[str, Decimal]) -> dict[str, Decimal]:
    with localcontext(EXACT):
        return {k: a.get(k, Decimal(0)) + b.get(k, Decimal(0)) for k in {**a, **b}}


@dataclass(frozen=True)
class Usage:
    """A month's metered quantities, in the units AWS bills."""

    requests: int = 0  # on-demand request units
    provisioned_requests: int = 0  # request units served by PC environments
    duration: Mapping[str, Decimal] = field(default_factory=dict)  # on-demand GB-s per arch
    provisioned_duration: Mapping[str, Decimal] = field(default_factory=dict)  # GB-s on PC
    provisioned_concurrency: Mapping[str, Decimal] = field(default_factory=dict)  # PC enabled
    ephemeral: Decimal = Decimal(0)  # GB-s of /tmp above 512 MB
    invocations: int = 0  # invocations metered (what month scaling multiplies)

    def __add__(self, other: Usage) -> Usage:
        with localcontext(EXACT):
            return Usage(
                requests=self.requests + other.requests,
                provisioned_requests=self.provisioned_requests + other.provisioned_requests,
                duration=_add(self.duration, other.duration),
                provisioned_duration=_add(self.provisioned_duration, other.provisioned_duration),
                provisioned_concurrency=_add(
                    self.provisioned_concurrency, other.provisioned_concurrency
                ),
                ephemeral=self.ephemeral + other.ephemeral,
                invocations=self.invocations + other.invocations,
            )

    def scaled(self, factor: Fraction) -> Usage:
        """The same traffic ``factor`` times over; PC enabled time is configuration, not traffic.

        Request units round to whole requests and GB-s to a billionth, the only rounding a
        bill ever does before display.
        """
        from fractions import Fraction  # (its import compiles a large regex: only when scaling)

        def gbs(value: Decimal) -> Decimal:
            exact = Fraction(value) * factor
            with localcontext(_SCALING):
                quotient = Decimal(exact.numerator) / Decimal(exact.denominator)
                return quotient.quantize(_SCALED_GB_S)

        return Usage(
            requests=round(self.requests * factor),
            provisioned_requests=round(self.provisioned_requests * factor),
            duration={k: gbs(v) for k, v in self.duration.items()},
            provisioned_duration={k: gbs(v) for k, v in self.provisioned_duration.items()},
            provisioned_concurrency=dict(self.provisioned_concurrency),
            ephemeral=gbs(self.ephemeral),
            invocations=round(self.invocations * factor),
        )


def meter(
    requests: int,
    duration_ms: object,
    memory_mb: int,
    *,
    architecture: str = limits.DEFAULT_ARCHITECTURE,
    ephemeral_storage_mb: int = limits.EPHEMERAL_DEFAULT_MB,
    provisioned: bool = False,
    async_event_bytes: int | None = None,
) -> Usage:
    """``requests`` invocations of ``duration_ms`` (average billed) each, at one configuration.

    ``provisioned=True`` meters them as served by PC environments. ``async_event_bytes`` makes
    them async events of that size (billed in 64 KB chunks beyond 256 KB).
    """
    count = require_int(requests, "requests", 0)
    memory = require_int(memory_mb, "memory_mb", limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB)
    storage = require_int(
        ephemeral_storage_mb,
        "ephemeral_storage_mb",
        limits.EPHEMERAL_MIN_MB,
        limits.EPHEMERAL_MAX_MB,
    )
    arch = require_architecture(architecture)
    duration = to_decimal(duration_ms, "duration_ms")
    if not 0 <= duration <= _LONGEST_BILLED_MS:
        raise PricingError(
            f"'duration_ms' must be in range 0..{_LONGEST_BILLED_MS} (got {duration_ms})"
        )
    units = count if async_event_bytes is None else count * async_request_units(async_event_bytes)
    with localcontext(EXACT):
        total_ms = duration * count
        compute = {arch: gb_seconds(total_ms, memory)}
        ephemeral = gb_seconds(total_ms, storage - limits.EPHEMERAL_MIN_MB)
    if provisioned:
        return Usage(
            provisioned_requests=units,
            provisioned_duration=compute,
            ephemeral=ephemeral,
            invocations=count,
        )
    return Usage(requests=units, duration=compute, ephemeral=ephemeral, invocations=count)


def meter_provisioned_concurrency(
    concurrency: int,
    memory_mb: int,
    enabled_seconds: object,
    *,
    architecture: str = limits.DEFAULT_ARCHITECTURE,
) -> Usage:
    """``concurrency`` PC environments of ``memory_mb`` kept enabled for ``enabled_seconds``."""
    count = require_int(concurrency, "concurrency", 0)
    memory = require_int(memory_mb, "memory_mb", limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB)
    arch = require_architecture(architecture)
    billed_ms = provisioned_billed_seconds(enabled_seconds) * 1000
    return Usage(provisioned_concurrency={arch: gb_seconds(billed_ms * count, memory)})


def meter_records(records: Iterable[InvocationRecord]) -> Usage:
    """What a Lab's invocation records bill: throttled ones are counted for nothing."""
    usage = Usage()
    for record in records:
        if record.outcome == "throttled":
            continue
        try:
            event_bytes = record.request_bytes if record.invocation_type == "Event" else None
            usage += meter(
                1,
                record.billed_duration_ms,
                record.memory_mb,
                architecture=record.architecture,
                ephemeral_storage_mb=record.ephemeral_storage_mb,
                provisioned=record.provisioned,
                async_event_bytes=event_bytes,
            )
        except PricingError as error:
            raise PricingError(f"record {record.request_id}: {error}") from None
    return usage
