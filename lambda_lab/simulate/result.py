"""What a simulation found: counts per function, a sampled timeline, latencies, outcomes.

Counts use CloudWatch's names where Lambda has a metric: ``invocations`` (runs, the billed
requests), ``throttles`` (every throttled attempt, by Reason), ``provisioned_invocations``,
``spillover_invocations`` (run on-demand while the function has provisioned concurrency).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from lambda_lab.simulate.model import THROTTLE_REASONS

if TYPE_CHECKING:
    from lambda_lab.pricing.bill import Bill
    from lambda_lab.simulate.config import Account

# How an async event can end without a successful run (the DLQ / on-failure conditions).
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"


@dataclass(slots=True)
class FunctionStats:
    """Running totals for one function (mutated by the engine while it runs)."""

    name: str
    invocations: int = 0
    provisioned_invocations: int = 0
    spillover_invocations: int = 0
    cold_starts: int = 0
    timeouts: int = 0
    throttles: dict[str, int] = field(default_factory=lambda: dict.fromkeys(THROTTLE_REASONS, 0))
    sync_throttles: int = 0  # 429s returned to callers
    async_events: int = 0
    async_retries: int = 0  # attempts after an event's first, throttled ones included
    dropped: dict[str, int] = field(default_factory=dict)  # async events lost, by why
    billed_ms: int = 0  # on-demand duration incl. billed INIT, whole milliseconds
    provisioned_billed_ms: int = 0  # duration run on provisioned environments
    peak_concurrency: int = 0
    environments_started: int = 0

    @property
    def throttle_count(self) -> int:
        return sum(self.throttles.values())


@dataclass(frozen=True, slots=True)
class InvocationOutcome:
    """One arrival, in arrival order. For async events the fields describe the last run."""

    index: int
    time: float  # when it arrived
    function: str
    invocation_type: str
    # ok | timeout | throttled (sync 429) | dropped (async event lost) | pending (async event
    # still queued or running when the run stopped at ``until``)
    status: str
    reason: str | None  # the throttle Reason, or why an async event was dropped
    cold: bool = False
    provisioned: bool = False
    spillover: bool = False
    env_id: int | None = None
    init_ms: float = 0.0
    duration_ms: float = 0.0
    started: float | None = None
    latency_ms: float | None = None  # arrival to end of the run, INIT included
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class Sample:
    """The account at one sampling instant; counts are totals since the start."""

    time: float
    concurrency: int  # in flight at this instant (ConcurrentExecutions)
    unreserved_concurrency: int  # of which in the shared pool (UnreservedConcurrentExecutions)
    provisioned_concurrency: int  # of which on provisioned environments
    peak_concurrency: int  # highest in flight since the previous sample
    environments: int  # alive (busy or idle), provisioned included
    invocations: int
    throttles: int
    cold_starts: int
    usage: tuple[tuple[int, int, int, int], ...]  # per function: requests, ms, PC requests, PC ms


@dataclass(frozen=True)
class Result:
    account: Account
    start: float
    end: float
    functions: dict[str, FunctionStats]
    timeline: tuple[Sample, ...]
    latencies_ms: array[float]
    outcomes: tuple[InvocationOutcome, ...] | None
    arrivals: int
    events_processed: int

    # -- totals --------------------------------------------------------------------------------
    def _total(self, name: str) -> int:
        return sum(getattr(stats, name) for stats in self.functions.values())

    @property
    def invocations(self) -> int:
        return self._total("invocations")

    @property
    def cold_starts(self) -> int:
        return self._total("cold_starts")

    @property
    def spillover_invocations(self) -> int:
        return self._total("spillover_invocations")

    @property
    def provisioned_invocations(self) -> int:
        return self._total("provisioned_invocations")

    @property
    def timeouts(self) -> int:
        return self._total("timeouts")

    @property
    def sync_throttles(self) -> int:
        return self._total("sync_throttles")

    @property
    def throttles_by_reason(self) -> dict[str, int]:
        totals = dict.fromkeys(THROTTLE_REASONS, 0)
        for stats in self.functions.values():
            for reason, count in stats.throttles.items():
                totals[reason] += count
        return totals

    @property
    def throttles(self) -> int:
        return sum(self.throttles_by_reason.values())

    @property
    def dropped(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for stats in self.functions.values():
            for reason, count in stats.dropped.items():
                totals[reason] = totals.get(reason, 0) + count
        return totals

    @property
    def peak_concurrency(self) -> int:
        peaks = [s.peak_concurrency for s in self.timeline]
        return max(peaks, default=0)

    # -- latency -------------------------------------------------------------------------------
    def percentiles(self, *points: float) -> dict[float, float]:
        """Latency percentiles in ms (nearest rank), e.g. ``percentiles(50, 90, 99)``."""
        for point in points:
            if not 0 < point <= 100:
                raise ValueError(f"a percentile must be in range (0, 100] (got {point!r})")
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return {point: math.nan for point in points}
        count = len(ordered)
        return {point: ordered[max(0, math.ceil(point / 100 * count) - 1)] for point in points}

    @property
    def latency(self) -> dict[str, float]:
        p50, p90, p99 = self.percentiles(50, 90, 99).values()
        return {"p50": p50, "p90": p90, "p99": p99}

    # -- money ---------------------------------------------------------------------------------
    def bill(self, *, free_tier: bool = False) -> Bill:
        """The itemised bill of the whole run, by ``lambda_lab.pricing.calculator``; free tier if asked."""
        from lambda_lab.simulate.cost import bill_at

        return bill_at(self, len(self.timeline) - 1, free_tier=free_tier)

    def cost_over_time(self, *, free_tier: bool = False) -> list[tuple[float, Decimal]]:
        """``(time, dollars so far)`` at every sample."""
        from lambda_lab.simulate.cost import bill_at

        return [
            (sample.time, bill_at(self, index, free_tier=free_tier).total)
            for index, sample in enumerate(self.timeline)
        ]

    # -- views ---------------------------------------------------------------------------------
    def outcomes_for(self, function: str) -> list[InvocationOutcome]:
        if self.outcomes is None:
            raise ValueError("outcomes were not kept: run with keep_outcomes=True")
        return [o for o in self.outcomes if o.function == function]

    def summary(self) -> str:
        """A few lines a person can read: counts, throttles by Reason, latency, cost."""
        lines = [
            f"{self.arrivals:,} arrivals over {self.end - self.start:,.1f} s; "
            f"{self.invocations:,} invocations ({self.cold_starts:,} cold starts, "
            f"{self.spillover_invocations:,} spillover); peak concurrency "
            f"{self.peak_concurrency:,} of {self.account.concurrency_limit:,}",
        ]
        throttled = {r: n for r, n in self.throttles_by_reason.items() if n}
        lines.append(
            "throttles: "
            + (", ".join(f"{n:,} {r}" for r, n in throttled.items()) if throttled else "none")
        )
        if self.dropped:
            lines.append(
                "async events dropped: " + ", ".join(f"{n:,} {r}" for r, n in self.dropped.items())
            )
        if self.latencies_ms:
            p = self.latency
            lines.append(
                f"latency p50 {p['p50']:,.1f} ms, p90 {p['p90']:,.1f} ms, p99 {p['p99']:,.1f} ms"
            )
        from lambda_lab.pricing.bill import format_usd

        lines.append(f"cost (no free tier): {format_usd(self.bill().total)}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
