"""Timelines of what the Lab did, drawn with matplotlib.

* :func:`async_timeline`: the journey of asynchronous events, one row each: when it was
  received, every attempt (green success, red error), throttles, the waits between attempts
  (labelled, e.g. "wait 1 min"), and how it ended (dead-letter queue, destination, dropped);
* :func:`poller_timeline`: the batches an event source mapping handed to its function, one
  row per shard lane (one row for a queue), each batch labelled with its size.

Both take data the Lab keeps (``lab.async_queue.events()``, ``poller.history``) and return
the ``matplotlib.figure.Figure`` they drew on: the ``axes`` you pass (``plt.subplots()``), or
a new standalone Figure (no pyplot state, so tests stay clean).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lambda_lab.event_sources.mappings.batch_results import BatchRun
from lambda_lab.invocation.asynchronous import journey as steps
from lambda_lab.invocation.asynchronous.journey import AsyncEvent

COLORS = {"success": "#2e7d32", "error": "#c62828", "timeout": "#c62828", "out_of_memory": "#c62828",
          "crash": "#c62828", "throttled": "#ef6c00", "partial": "#f9a825", "discarded": "#6a1b9a"}  # fmt: skip
_ENDINGS = {
    steps.DEAD_LETTER: ("s", "#6a1b9a", "DLQ"),
    steps.DESTINATION: ("D", "#1565c0", "destination"),
    steps.DROPPED: ("X", "#424242", "dropped"),
    steps.DELIVERY_FAILED: ("X", "#b71c1c", "delivery failed"),
}


def _unit(span_s: float) -> tuple[float, str]:
    """Seconds, minutes or hours, whichever reads best for a span."""
    if span_s >= 3 * 3600:
        return 3600.0, "hours"
    if span_s >= 180:
        return 60.0, "minutes"
    return 1.0, "seconds"


def _wait_text(seconds: float) -> str:
    if seconds >= 3600:
        return f"wait {seconds / 3600:g} h"
    if seconds >= 60:
        return f"wait {seconds / 60:g} min"
    return f"wait {seconds:.3g} s"


def _axes(axes: Any, rows: int, height: float) -> tuple[Any, Any]:
    """The caller's axes (e.g. from ``plt.subplots()``), or a new standalone Figure's."""
    if axes is not None:
        return axes.figure, axes
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 1.2 + height * rows))
    return figure, figure.add_subplot()


def async_timeline(
    events: AsyncEvent | Iterable[AsyncEvent],
    title: str = "Asynchronous invocations",
    axes: Any = None,
) -> Any:
    chosen = [events] if isinstance(events, AsyncEvent) else list(events)
    if not chosen:
        raise ValueError(
            "no asynchronous events to draw (invoke with InvocationType='Event' first)"
        )
    origin = min(e.received_at for e in chosen)
    span = max((s.at for e in chosen for s in e.steps), default=origin) - origin
    scale, unit = _unit(span)
    figure, axes = _axes(axes, len(chosen), 0.7)
    for row, event in enumerate(reversed(chosen)):
        _draw_event(axes, event, row, origin, scale)
    axes.set_yticks(
        range(len(chosen)), [f"{e.function_name}\n{e.request_id[:8]}" for e in reversed(chosen)]
    )
    axes.set_ylim(-0.8, len(chosen) - 0.2)
    axes.set_xlabel(f"{unit} after the first event was received (Lab clock)")
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def _draw_event(axes: Any, event: AsyncEvent, row: int, origin: float, scale: float) -> None:
    x = lambda at: (at - origin) / scale  # noqa: E731 - a local shorthand
    axes.plot([x(event.received_at)], [row], marker="o", markersize=5, color="#9e9e9e")
    attempts = [s for s in event.steps if s.kind == steps.ATTEMPT]
    for step in attempts:
        outcome = step.record.outcome if step.record is not None else "error"
        axes.plot(
            [x(step.at)], [row], marker="o", markersize=11, color=COLORS.get(outcome, "#c62828")
        )
    for earlier, later in zip(attempts, attempts[1:]):
        axes.plot(
            [x(earlier.at), x(later.at)], [row, row], linestyle="--", color="#757575", linewidth=1
        )
        axes.annotate(_wait_text(later.at - earlier.at), ((x(earlier.at) + x(later.at)) / 2, row),
                      textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)  # fmt: skip
    for step in event.steps:
        if step.kind in (steps.THROTTLED, steps.SERVICE_ERROR):
            axes.plot([x(step.at)], [row], marker="x", markersize=9, color=COLORS["throttled"])
        elif step.kind in _ENDINGS:
            marker, color, label = _ENDINGS[step.kind]
            axes.plot([x(step.at)], [row], marker=marker, markersize=10, color=color)
            _below(axes, label, x(step.at), row)
        elif step.kind == steps.SUCCEEDED:
            _below(axes, "success", x(step.at), row)


def _below(axes: Any, text: str, x: float, row: int) -> None:
    axes.annotate(
        text, (x, row), textcoords="offset points", xytext=(0, -16), ha="center", fontsize=8
    )


def poller_timeline(
    history: Sequence[BatchRun], title: str = "Batches handed to the function", axes: Any = None
) -> Any:
    if not history:
        raise ValueError(
            "no batches yet: send messages or records to the source, then let the clock run"
        )
    lanes = sorted({run.shard or "queue" for run in history})
    origin = min(run.at for run in history)
    scale, unit = _unit(max(run.at for run in history) - origin)
    figure, axes = _axes(axes, len(lanes), 0.6)
    for run in history:
        row = lanes.index(run.shard or "queue")
        at = (run.at - origin) / scale
        axes.plot(
            [at],
            [row],
            marker="s",
            markersize=8 + min(run.size, 20),
            color=COLORS.get(run.outcome, "#757575"),
        )
        axes.annotate(
            str(run.size),
            (at, row),
            textcoords="offset points",
            xytext=(0, 12),
            ha="center",
            fontsize=8,
        )
    axes.set_yticks(range(len(lanes)), lanes)
    axes.set_ylim(-0.8, len(lanes) - 0.2)
    axes.set_xlabel(f"{unit} after the first batch (Lab clock); label = records in the batch")
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    handles = [axes.plot([], [], marker="s", linestyle="", color=c, label=o)[0]
               for o, c in COLORS.items() if any(r.outcome == o for r in history)]  # fmt: skip
    axes.legend(handles=handles, loc="upper left", fontsize=8)
    figure.tight_layout()
    return figure
