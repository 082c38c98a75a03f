"""A what-if pricing calculator: sliders in, an itemised monthly bill and a cost curve out.

The widget is a thin view over :func:`lambda_lab.pricing.calculator.estimate`: every control is a
public attribute, so a test sets ``.value`` and reads :attr:`PricingCalculator.bill`, the
HTML of :attr:`PricingCalculator.bill_view` and the PNG in :attr:`PricingCalculator.plot_view`
without a browser. ipywidgets and matplotlib are imported only when a calculator is built.

The "CPU-bound" switch changes only the curve: it assumes single-threaded work whose
duration shrinks in proportion to the CPU share memory buys, up to one vCPU (1,769 MB),
which is how the Lab models CPU; real functions gain less or more.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lambda_lab import limits
from lambda_lab.pricing.calculator import Bill, PricingError, estimate
from lambda_lab.widgets.guard import guarded
from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.prose import prose

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PricingCalculator"]

MAX_REQUESTS = 100_000_000  # slider range: a busy month; estimate() itself has no cap
MAX_DURATION_MS = 15_000  # slider range; estimate() accepts up to the 900 s timeout
_CURVE_POINTS = 40
_MICROSECOND = Decimal("0.001")  # assumed durations on the curve are kept to 1 us


class PricingCalculator:
    """Sliders for a month of traffic; the bill and the plot follow every change."""

    bill: Bill  # the bill of the controls' current values

    def __init__(
        self,
        *,
        requests: int = 3_000_000,
        duration_ms: int = 120,
        memory_mb: int = 1536,
        architecture: str = limits.DEFAULT_ARCHITECTURE,
        ephemeral_storage_mb: int = limits.EPHEMERAL_DEFAULT_MB,
        free_tier: bool = True,
        cpu_bound: bool = False,
        plot_against: str = "memory",
    ) -> None:
        import ipywidgets as widgets

        def slider(name: str, value: int, low: int, high: int, step: int) -> Any:
            # A slider would silently clamp a value out of its range; refuse it instead.
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise PricingError(
                    f"{name!r} must be an integer in range {low}..{high} (got {value!r})"
                )
            return widgets.IntSlider(
                value=value,
                min=low,
                max=high,
                step=step,
                description=name,
                continuous_update=False,
                style={"description_width": "10em"},
                layout=widgets.Layout(width="32em"),
            )

        self.requests = slider("requests/month", requests, 0, MAX_REQUESTS, 100_000)
        self.duration_ms = slider("duration (ms)", duration_ms, 1, MAX_DURATION_MS, 1)
        self.memory_mb = slider(
            "memory (MB)", memory_mb, limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB, 1
        )
        # 10,112 MB on a 22em track was ~50 MB a pixel: widen it, and offer the exact number.
        self.memory_mb.layout = widgets.Layout(width="48em")
        self.memory_exact = widgets.BoundedIntText(
            value=memory_mb,
            min=limits.MEMORY_MIN_MB,
            max=limits.MEMORY_MAX_MB,
            step=1,
            layout=widgets.Layout(width="7em"),
        )
        widgets.link((self.memory_mb, "value"), (self.memory_exact, "value"))
        self.ephemeral_storage_mb = slider(
            "/tmp (MB)", ephemeral_storage_mb, limits.EPHEMERAL_MIN_MB, limits.EPHEMERAL_MAX_MB, 1
        )
        self.architecture = widgets.ToggleButtons(
            options=limits.ARCHITECTURES, value=architecture, description="architecture"
        )
        self.free_tier = widgets.Checkbox(value=free_tier, description="monthly free tier")
        self.cpu_bound = widgets.Checkbox(value=cpu_bound, description="CPU-bound (curve)")
        self.plot_against = widgets.ToggleButtons(
            options=("memory", "requests"), value=plot_against, description="plot against"
        )
        self.bill_view = widgets.HTML()
        self.plot_view = picture()
        rows = [
            widgets.HBox([c, self.memory_exact]) if c is self.memory_mb else c
            for c in self.controls
        ]
        self.view = widgets.VBox([*rows, widgets.HBox([self.bill_view, self.plot_view])])
        for control in self.controls:  # a failure shows in the bill's place, not in a log
            control.observe(guarded(self.bill_view, self.refresh), names="value")
        self.refresh()

    @property
    def controls(self) -> tuple[Any, ...]:
        return (
            self.requests,
            self.duration_ms,
            self.memory_mb,
            self.architecture,
            self.ephemeral_storage_mb,
            self.free_tier,
            self.cpu_bound,
            self.plot_against,
        )

    def _estimate(self, **overrides: Any) -> Bill:
        inputs: dict[str, Any] = dict(
            requests=self.requests.value,
            duration_ms=self.duration_ms.value,
            memory_mb=self.memory_mb.value,
            architecture=self.architecture.value,
            ephemeral_storage_mb=self.ephemeral_storage_mb.value,
            free_tier=self.free_tier.value,
        )
        inputs.update(overrides)
        return estimate(**inputs)

    def refresh(self) -> None:
        """Recompute the bill and redraw the curve from the controls' current values."""
        self.bill = self._estimate()
        self.bill_view.value = prose(self.bill._repr_html_())
        buffer = io.BytesIO()
        self.plot().savefig(buffer, format="png", dpi=80)
        self.plot_view.value = buffer.getvalue()

    def duration_at(self, memory_mb: int) -> Decimal:
        """The duration assumed at another memory size (changes only when CPU-bound)."""
        duration = Decimal(self.duration_ms.value)
        if not self.cpu_bound.value:
            return duration
        share_now = min(self.memory_mb.value, limits.MEMORY_PER_VCPU_MB)
        share_then = min(memory_mb, limits.MEMORY_PER_VCPU_MB)
        return (duration * share_now / share_then).quantize(_MICROSECOND)

    def curve(self) -> list[tuple[int, Decimal]]:
        """(x, monthly total) points of the plotted curve, x in MB or requests."""
        if self.plot_against.value == "memory":
            span = limits.MEMORY_MAX_MB - limits.MEMORY_MIN_MB
            steps = range(_CURVE_POINTS + 1)
            sizes = {limits.MEMORY_MIN_MB + span * i // _CURVE_POINTS for i in steps}
            sizes |= {self.memory_mb.value, limits.MEMORY_PER_VCPU_MB}
            return [
                (m, self._estimate(memory_mb=m, duration_ms=self.duration_at(m)).total)
                for m in sorted(sizes)
            ]
        top = max(2 * self.requests.value, 2 * limits.FREE_TIER_REQUESTS)
        counts = {top * i // _CURVE_POINTS for i in range(_CURVE_POINTS + 1)}
        counts.add(self.requests.value)
        return [(n, self._estimate(requests=n).total) for n in sorted(counts)]

    def plot(self) -> Figure:
        """The monthly total along the chosen axis, with the current setting marked."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(5, 3.2), layout="constrained")
        axes = figure.add_subplot()
        points = self.curve()
        axes.plot([x for x, _ in points], [float(y) for _, y in points], color="C0")
        by_memory = self.plot_against.value == "memory"
        current = self.memory_mb.value if by_memory else self.requests.value
        axes.plot([current], [float(self.bill.total)], "o", color="C3")
        axes.set_xlabel("memory (MB)" if by_memory else "requests per month")
        axes.set_ylabel("monthly total (USD)")
        axes.set_title(f"{self.architecture.value}: now {self.bill.total_cents:,} USD a month")
        return figure

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.view._repr_mimebundle_(**kwargs)
