"""Power tuning: cost per invocation at each memory size, and the winners.

:func:`tune` takes what was measured, ``[(memory_mb, [duration_ms, ...]), ...]``; it bills
every run the way Lambda does (each duration rounded up to the next millisecond,
first-tier duration price plus the request price, no free tier) and names the cheapest
and the fastest memory settings. It needs no runtime.

:func:`power_tune` measures for real: it sets a Lab function's memory to each size, runs
it, and hands the warm durations to :func:`tune`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING, Any, Protocol

from lambda_lab import limits
from lambda_lab.pricing.bill import EXACT, PricingError, format_usd
from lambda_lab.pricing.table import CURRENT, PriceTable
from lambda_lab.pricing.usage import gb_seconds, require_architecture, require_int

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from lambda_lab.control.functions import Registry
    from lambda_lab.invocation.sync import InvokeResult
    from lambda_lab.monitoring.records import InvocationRecord

__all__ = [
    "DEFAULT_MEMORY_SIZES",
    "PowerTuning",
    "TuningError",
    "TuningPoint",
    "power_tune",
    "tune",
]

# The sizes AWS Lambda Power Tuning is often run with, plus 1,769 MB where one vCPU is reached.
DEFAULT_MEMORY_SIZES = (128, 256, 512, 1024, 1769, 3008)

_MEAN = Context(prec=28)  # an average is the one place a division may not be exact


def billed_ms(duration_ms: float) -> int:
    """Lambda's billed duration: rounded up to the next millisecond, at least 1 ms."""
    return max(1, math.ceil(round(duration_ms, 6)))


@dataclass(frozen=True)
class TuningPoint:
    """One memory setting: its measured runs and what one invocation costs there."""

    memory_mb: int
    durations_ms: tuple[float, ...]
    cost_per_invocation: Decimal  # average over the runs, request included

    @property
    def mean_duration_ms(self) -> float:
        return sum(self.durations_ms) / len(self.durations_ms)

    @property
    def cost_per_million(self) -> Decimal:
        with localcontext(EXACT):
            return self.cost_per_invocation * 1_000_000


@dataclass(frozen=True)
class PowerTuning:
    """The tuning of one function: one point per memory size, sorted by memory."""

    points: tuple[TuningPoint, ...]
    architecture: str

    @property
    def cheapest(self) -> TuningPoint:
        """Lowest cost per invocation; between equals, the faster."""
        return min(self.points, key=lambda p: (p.cost_per_invocation, p.mean_duration_ms))

    @property
    def fastest(self) -> TuningPoint:
        """Lowest mean duration; between equals, the cheaper."""
        return min(self.points, key=lambda p: (p.mean_duration_ms, p.cost_per_invocation))

    def as_dict(self) -> dict[str, Any]:
        return {
            "architecture": self.architecture,
            "points": [
                {
                    "memory_mb": p.memory_mb,
                    "mean_duration_ms": p.mean_duration_ms,
                    "cost_per_invocation": str(p.cost_per_invocation),
                }
                for p in self.points
            ],
            "cheapest_mb": self.cheapest.memory_mb,
            "fastest_mb": self.fastest.memory_mb,
        }

    def _repr_markdown_(self) -> str:
        rows = [
            "| Memory (MB) | Mean duration (ms) | Cost per 1M invocations |",
            "|---:|---:|---:|",
        ]
        for p in self.points:
            marks = " (cheapest)" * (p is self.cheapest) + " (fastest)" * (p is self.fastest)
            rows.append(
                f"| {p.memory_mb:,}{marks} | {p.mean_duration_ms:,.1f}"
                f" | {format_usd(p.cost_per_million)} |"
            )
        return "\n".join(rows) + "\n"

    def plot(self, figure: Figure | None = None) -> Figure:
        """Duration and cost per invocation against memory, winners marked. Returns the figure."""
        from matplotlib.figure import Figure

        figure = figure if figure is not None else Figure(figsize=(7, 4), layout="constrained")
        duration_axes = figure.add_subplot()
        cost_axes = duration_axes.twinx()
        memory = [p.memory_mb for p in self.points]
        duration_axes.plot(memory, [p.mean_duration_ms for p in self.points], "o-", color="C0")
        costs = [float(p.cost_per_million) for p in self.points]
        cost_axes.plot(memory, costs, "s--", color="C1")
        # From zero, so that a cost that is nearly level also looks level.
        duration_axes.set_ylim(bottom=0)
        cost_axes.set_ylim(bottom=0)
        duration_axes.set_xlabel("memory (MB)")
        duration_axes.set_ylabel("mean duration (ms)", color="C0")
        cost_axes.set_ylabel("cost per 1M invocations (USD)", color="C1")
        winners = ((self.cheapest, "cheapest", "C1"), (self.fastest, "fastest", "C0"))
        for point, label, colour in winners:
            duration_axes.axvline(point.memory_mb, color=colour, alpha=0.3)
            duration_axes.annotate(
                f"{label}: {point.memory_mb:,} MB",
                (point.memory_mb, point.mean_duration_ms),
                textcoords="offset points",
                xytext=(6, 8),
                color=colour,
            )
        duration_axes.set_title(f"Power tuning ({self.architecture})")
        return figure


def tune(
    measurements: Iterable[tuple[int, Sequence[float]]],
    *,
    architecture: str = limits.DEFAULT_ARCHITECTURE,
    table: PriceTable = CURRENT,
) -> PowerTuning:
    """Price each memory size's measured runs and return the tuning (see the module doc)."""
    arch = require_architecture(architecture)
    duration_price = table.first_tier_price(arch)
    points = []
    for memory_mb, durations in measurements:
        memory = require_int(memory_mb, "memory_mb", limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB)
        runs = tuple(float(d) for d in durations)
        if not runs or any(not math.isfinite(d) or d < 0 for d in runs):
            raise PricingError(
                f"durations at {memory} MB must be a non-empty list of durations >= 0 ms"
                f" (got {list(durations)!r})"
            )
        with localcontext(EXACT):
            total = sum(
                (gb_seconds(billed_ms(d), memory) * duration_price + table.request for d in runs),
                Decimal(0),
            )
        with localcontext(_MEAN):
            cost = total / len(runs)
        points.append(TuningPoint(memory, runs, cost))
    if len({p.memory_mb for p in points}) != len(points) or not points:
        raise PricingError("measurements must name each memory size once, and at least one")
    return PowerTuning(tuple(sorted(points, key=lambda p: p.memory_mb)), arch)


class TuningError(RuntimeError):
    """A run during power tuning did not succeed, so its duration cannot be priced."""


class ConfigurationUpdates(Protocol):
    """The control plane's UpdateFunctionConfiguration (``lab.service``)."""

    def update_function_configuration(
        self, name: str, params: dict[str, Any]
    ) -> dict[str, Any]: ...


class Settles(Protocol):
    """Waits until a function's last update has completed (``LastUpdateStatus``)."""

    def settle(self, name: str) -> None: ...


class Tunable(Protocol):
    """What power tuning works with (a Lab has it all): the function's settings, the control
    plane that changes its memory, and a synchronous invoke."""

    @property
    def functions(self) -> Registry: ...

    @property
    def service(self) -> ConfigurationUpdates: ...

    @property
    def lifecycle(self) -> Settles: ...

    def invoke(self, name: str, event: Any = None, *, log_type: str = "Tail") -> InvokeResult: ...


def power_tune(
    account: Tunable,
    name: str,
    event: Any = None,
    memory_sizes: Sequence[int] = DEFAULT_MEMORY_SIZES,
    runs: int = 3,
) -> PowerTuning:
    """Run function ``name`` of ``account`` (a Lab) with ``event`` at each memory size and tune it.

    Each size is set with UpdateFunctionConfiguration, which retires the warm environments,
    so the first invoke at every size is a cold start. That invoke is a warm-up and is
    discarded (its INIT is paid once per environment, not per request); the next ``runs``
    warm invokes are measured. The function gets its own memory size back at the end.
    Every invoke, warm-ups included, stays in ``lab.records`` and so in ``lab.bill()``.
    """
    count = require_int(runs, "runs", 1)
    low, high = limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB
    sizes = [require_int(m, "memory_mb", low, high) for m in memory_sizes]
    if not sizes or len(set(sizes)) != len(sizes):
        raise PricingError(
            f"'memory_sizes' must name each memory size once, and at least one (got {sizes})"
        )
    config = account.functions.get(name)  # ResourceNotFoundException before anything changes
    original_mb = config.memory_mb
    measurements = []
    try:
        for memory in sizes:
            account.service.update_function_configuration(name, {"MemorySize": memory})
            account.lifecycle.settle(
                name
            )  # the update completes before the runs, as a waiter would
            records = [_successful_run(account, name, event, memory) for _ in range(count + 1)]
            warm = [r.duration_ms for r in records if not r.cold][-count:]
            if not warm:
                raise TuningError(
                    f"power tuning {name!r} at {memory} MB: every run was a cold start"
                    " (is the Lab's keep_alive_s shorter than one run?)"
                )
            measurements.append((memory, warm))
    finally:
        account.lifecycle.settle(name)  # a failed run may leave nothing in flight; settle anyway
        account.service.update_function_configuration(name, {"MemorySize": original_mb})
        account.lifecycle.settle(name)
    return tune(measurements, architecture=config.architecture)


def _successful_run(account: Tunable, name: str, event: Any, memory_mb: int) -> InvocationRecord:
    result = account.invoke(name, event, log_type="None")
    record = result.record
    if result.function_error or record is None:
        reason = record.error_type if record is not None else result.function_error
        payload = result.payload[:300].decode(errors="replace")
        raise TuningError(
            f"power tuning {name!r} at {memory_mb} MB: the invoke failed ({reason}): {payload}"
        )
    return record
