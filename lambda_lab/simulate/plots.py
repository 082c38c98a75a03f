"""Pictures of a simulation run, drawn with matplotlib (imported only when a plot is drawn).

Each helper draws on the ``ax`` it is given (or a new figure's) and returns that axes,
so a notebook can lay several side by side. Times on the x axis are seconds since the
run's first arrival.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab.simulate.result import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _axes(ax: Axes | None, figsize: tuple[float, float] = (9, 4)) -> Axes:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - matplotlib is a core dependency
        raise ImportError(
            "plots need matplotlib: pip install 'matplotlib>=3.7' (or reinstall lambda-lab)"
        ) from error
    _figure, axes = plt.subplots(figsize=figsize)
    return axes


def _per_sample(totals: list[int]) -> list[int]:
    """Cumulative counts turned into what happened since the previous sample."""
    return [now - before for before, now in zip([0] + totals[:-1], totals)]


def plot_concurrency(result: Result, ax: Axes | None = None, *, title: str | None = None) -> Axes:
    """Concurrency (peak per sample), environments alive and the account limit; throttles
    per sample as red bars on a second axis."""
    axes = _axes(ax)
    timeline = result.timeline
    times = [sample.time - result.start for sample in timeline]
    axes.step(
        times,
        [s.peak_concurrency for s in timeline],
        where="pre",
        color="tab:blue",
        label="concurrency (peak in each sample)",
    )
    axes.step(
        times,
        [s.environments for s in timeline],
        where="pre",
        color="tab:green",
        alpha=0.7,
        label="execution environments alive",
    )
    axes.axhline(
        result.account.concurrency_limit,
        color="tab:gray",
        linestyle="--",
        label=f"account limit ({result.account.concurrency_limit:,})",
    )
    axes.set_xlabel("seconds since the first request")
    axes.set_ylabel("concurrent executions")
    axes.set_ylim(bottom=0)
    throttles = _per_sample([s.throttles for s in timeline])
    handles, labels = axes.get_legend_handles_labels()
    if any(throttles):
        twin = axes.twinx()
        width = min((b - a for a, b in zip(times, times[1:]) if b > a), default=1.0)
        twin.bar(
            times,
            throttles,
            width=-0.9 * width,
            align="edge",
            color="tab:red",
            alpha=0.35,
            label="throttles in each sample",
        )
        twin.set_ylabel("throttles", color="tab:red")
        twin.set_ylim(bottom=0)
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axes.legend(handles, labels, loc="upper right", fontsize="small")
    axes.set_title(title or f"{result.invocations:,} invocations, {result.throttles:,} throttles")
    return axes


def plot_latency(
    result: Result, ax: Axes | None = None, *, bins: int = 50, log: bool = False
) -> Axes:
    """A histogram of latencies (INIT included) with p50, p90 and p99 marked."""
    axes = _axes(ax)
    latencies = result.latencies_ms
    if not latencies:
        axes.set_title("no invocation ran")
        return axes
    axes.hist(latencies, bins=bins, color="tab:blue", alpha=0.8, log=log)
    styles: dict[str, Any] = {"p50": "-", "p90": "--", "p99": ":"}
    for label, value in result.latency.items():
        axes.axvline(
            value, color="tab:red", linestyle=styles[label], label=f"{label} {value:,.0f} ms"
        )
    axes.set_xlabel("latency (ms), cold starts included")
    axes.set_ylabel("invocations")
    axes.legend(fontsize="small")
    return axes


def plot_cost(result: Result, ax: Axes | None = None, *, free_tier: bool = False) -> Axes:
    """Dollars spent so far, at every sample."""
    axes = _axes(ax)
    points = result.cost_over_time(free_tier=free_tier)
    axes.plot(
        [t - result.start for t, _ in points], [float(d) for _, d in points], color="tab:purple"
    )
    axes.set_xlabel("seconds since the first request")
    axes.set_ylabel("USD so far" + (" (free tier applied)" if free_tier else ""))
    axes.set_ylim(bottom=0)
    return axes
