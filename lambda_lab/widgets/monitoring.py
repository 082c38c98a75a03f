"""Pictures for monitoring: a metrics dashboard and a trace waterfall, drawn with matplotlib.

* :func:`metrics_dashboard`: one small graph per metric, as the console's Monitor tab shows
  them (Invocations, Errors, Duration, Throttles, ConcurrentExecutions, IteratorAge, ...),
  with the data from :func:`lambda_lab.monitoring.metric_series.series`;
* :func:`trace_waterfall`: the spans of :func:`lambda_lab.monitoring.traces.spans`, one row each on a
  millisecond axis, the way X-Ray's trace view draws segments and subsegments.

Both draw on what the caller passes (a pyplot figure or axes, then ``plt.show()``) or return
a new standalone ``matplotlib.figure.Figure`` (no pyplot state, so tests stay clean).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from typing import Any

from lambda_lab.monitoring import metric_series
from lambda_lab.monitoring.traces import CALL, INIT, INVOKE, THROTTLE, TRIGGER, WAIT, Span

DASHBOARD = (
    "Invocations",
    "Errors",
    "SuccessRate",
    "Duration",
    "Throttles",
    "ConcurrentExecutions",
)
SPAN_COLORS = {TRIGGER: "#6a1b9a", WAIT: "#bdbdbd", INIT: "#ef6c00", INVOKE: "#1565c0", CALL: "#2e7d32",
               THROTTLE: "#c62828"}  # fmt: skip
_LEGEND = {TRIGGER: "event / trigger", WAIT: "waiting (queue, stream, retry)", INIT: "Init (cold start)",
           INVOKE: "Invoke (handler)", CALL: "a call timed in code (like an SDK subsegment)",
           THROTTLE: "throttled"}  # fmt: skip


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def metrics_dashboard(
    lab: Any,
    names: Sequence[str] = DASHBOARD,
    function_name: str | None = None,
    *,
    period_s: float = 60,
    statistics: dict[str, str] | None = None,
    columns: int = 3,
    figure: Any = None,
) -> Any:
    """A grid of graphs, one per metric; ``statistics`` picks another statistic for a name.

    Drawn on ``figure`` (e.g. ``plt.figure(figsize=(12, 5))``) or on a new standalone one.
    """
    if not names:
        raise ValueError("name at least one metric to draw")
    chosen = dict(statistics or {})
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        raise ValueError(f"statistics given for metrics that are not drawn: {', '.join(unknown)}")
    data = {name: metric_series.series(lab, name, function_name, statistic=chosen.get(name), period_s=period_s)
            for name in names}  # fmt: skip
    if not any(data.values()):
        who = f"function {function_name!r}" if function_name else "this Lab"
        raise ValueError(f"no metric data yet for {who}: invoke something first")
    origin = min(start for points in data.values() for start, _ in points)
    last = max(start for points in data.values() for start, _ in points)
    rows = math.ceil(len(names) / columns)
    if figure is None:
        figure = _new_figure(4.0 * min(columns, len(names)), 2.6 * rows)
    axes_list = figure.subplots(rows, min(columns, len(names)), squeeze=False).flatten()
    unit, scale = ("minutes", 60.0) if period_s >= 60 else ("seconds", 1.0)
    for axes, name in zip(axes_list, names):
        points = data[name]
        statistic = chosen.get(name) or metric_series.DEFAULT_STATISTIC[name]
        xs = [(start - origin) / scale for start, _ in points]
        ys = [value for _, value in points]
        if statistic in ("Sum", "SampleCount"):
            axes.bar(xs, ys, width=0.8 * period_s / scale, align="edge", color="#1565c0")
        else:
            axes.plot(xs, ys, marker="o", markersize=3, color="#ef6c00")
        suffix = f" ({metric_series.UNITS[name]})" if name in metric_series.UNITS else ""
        axes.set_title(f"{name}{suffix}, {statistic}", fontsize=9)
        axes.set_xlim(
            -0.02 * (last - origin + period_s) / scale, (last - origin + period_s) / scale
        )  # one time axis
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
        if not points:
            axes.text(
                0.5,
                0.5,
                "no data",
                ha="center",
                va="center",
                transform=axes.transAxes,
                color="#757575",
            )
    for axes in axes_list[len(names) :]:
        axes.set_visible(False)
    period = f"{period_s / 60:g} min" if period_s >= 60 else f"{period_s:g} s"
    start_text = datetime.datetime.fromtimestamp(origin, datetime.timezone.utc).strftime(
        "%H:%M:%S UTC"
    )
    figure.supxlabel(f"{unit} after {start_text} (one bar or point per {period})", fontsize=9)
    figure.tight_layout()
    return figure


def trace_waterfall(
    spans: Sequence[Span], title: str = "One request, step by step", axes: Any = None
) -> Any:
    """Each span as a bar on its own row, in time order, milliseconds from the first one."""
    if not spans:
        raise ValueError("no spans to draw: send a request and wait for its work to finish first")
    ordered = sorted(spans, key=lambda s: s.start)
    origin = ordered[0].start
    if axes is None:
        figure = _new_figure(10, 1.0 + 0.38 * len(ordered))
        axes = figure.add_subplot()
    else:
        figure = axes.figure
    total_ms = max(s.end for s in ordered) * 1000.0 - origin * 1000.0
    for row, span in enumerate(ordered):
        left, width = span.offset_ms(origin), span.duration_ms
        color = SPAN_COLORS[span.kind]
        if width == 0:  # an instant: a marker, not a bar
            axes.plot(
                [left],
                [row],
                marker="D" if span.kind == TRIGGER else "x",
                color=color,
                markersize=7,
            )
        else:
            axes.barh(row, width, left=left, height=0.6, color=color)
        axes.annotate(f"{width:.1f} ms" if width else _clip(span.detail, 40), (left + width, row),
                      textcoords="offset points", xytext=(4, -3), fontsize=7)  # fmt: skip
    axes.set_yticks(range(len(ordered)), [_clip(s.name, 42) for s in ordered], fontsize=8)
    axes.invert_yaxis()  # the first span at the top, as in X-Ray
    axes.set_xlim(-0.02 * total_ms, total_ms * 1.18 + 1)
    axes.set_xlabel("milliseconds after the first span (Lab clock)")
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    shown = [kind for kind in _LEGEND if any(s.kind == kind for s in ordered)]
    handles = [
        axes.plot([], [], marker="s", linestyle="", color=SPAN_COLORS[k], label=_LEGEND[k])[0]
        for k in shown
    ]
    axes.legend(handles=handles, loc="upper right", fontsize=7)  # early rows sit left: room there
    figure.tight_layout()
    return figure


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
