"""Power tuning from measurements: cost per invocation at each memory size, and the winners.

Give it what was measured, ``[(memory_mb, [duration_ms, ...]), ...]``; it bills every run
the way Lambda does (each duration rounded up to the next millisecond, first-tier duration
price plus the request price, no free tier) and names the cheapest and the fastest memory
settings. Running the function at each size is the caller's job (the Lab does it for real);
nothing here needs the runtime.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from lambda_lab import limits
from lambda_lab.pricing_bill import EXACT, PricingError, format_usd
from lambda_lab.pricing_table import CURRENT, PriceTable
from lambda_lab.pricing_usage import gb_seconds, require_architecture, require_int

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PowerTuning", "TuningPoint", "tune"]

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
