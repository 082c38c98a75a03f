"""The console's "Test" tab as a widget: an event editor, a Test button, the result and the log.

    from lambda_lab.widgets import InvokePanel
    InvokePanel(lab, "demo-lambda", event={"key1": "value1"})

The logic lives in :func:`run_test`, a plain function; the widget only shows its result.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

from lambda_lab.errors import LambdaError
from lambda_lab.widgets.guard import CLOSED_MESSAGE, closed_html, guarded, is_closed
from lambda_lab.widgets.prose import prose


@dataclass
class ConsoleRun:
    """One press of the Test button, ready to show."""

    ok: bool  # the invoke reached the function and it succeeded
    summary: str  # one line: Succeeded / Failed, cold or warm, durations
    result: str  # the payload, pretty-printed
    log: str
    cold: bool = False


def run_test(lab: Any, function_name: str, event_text: str) -> ConsoleRun:
    """Invoke as the console's Test button does; bad JSON, AWS errors or a closed Lab become a
    readable run."""
    if is_closed(lab):
        return ConsoleRun(False, CLOSED_MESSAGE, "", "")
    try:
        event = json.loads(event_text) if event_text.strip() else None
    except ValueError as exc:
        return ConsoleRun(False, f"The test event is not valid JSON: {exc}", "", "")
    try:
        result = lab.invoke(function_name, event)
    except LambdaError as exc:
        return ConsoleRun(False, f"{exc.code}: {exc.message}", "", "")
    record = result.record
    try:
        pretty = json.dumps(result.value, indent=2)
    except ValueError:
        pretty = result.payload.decode(errors="replace")
    state = "Failed" if result.function_error else "Succeeded"
    start = "cold start" if record.cold else "warm start"
    figures = [
        f"Duration {record.duration_ms:.2f} ms",
        f"Billed {record.billed_duration_ms} ms",
        f"Max memory {record.max_memory_used_mb} of {record.memory_mb} MB",
    ]
    if record.init_duration_ms is not None:
        figures.append(f"Init {record.init_duration_ms:.2f} ms")
    summary = f"{state} ({start}): " + ", ".join(figures)
    return ConsoleRun(not result.function_error, summary, pretty, result.log, record.cold)


class InvokePanel:
    """An ipywidgets view over :func:`run_test`; ``.widget`` is what the notebook displays."""

    def __init__(self, lab: Any, function_name: str, event: Any = None) -> None:
        import ipywidgets as w

        self.lab = lab
        self.function_name = function_name
        self.event_text = w.Textarea(
            value=json.dumps(event if event is not None else {}, indent=2),
            description="Event",
            layout=w.Layout(width="100%", height="140px"),
        )
        self.test_button = w.Button(description="Test", button_style="warning", icon="play")
        self.summary = w.HTML()
        self.result = w.HTML()
        self.log = w.HTML()
        self.last: ConsoleRun | None = None
        self.test_button.on_click(guarded(self.summary, self.test))
        title = w.HTML(f"<b>Function</b> <code>{html.escape(function_name)}</code>")
        self.widget = w.VBox(
            [title, self.event_text, self.test_button, self.summary, self.result, self.log]
        )

    def test(self) -> ConsoleRun:
        run = run_test(self.lab, self.function_name, self.event_text.value)
        self.last = run
        color = "#1d8102" if run.ok else "#d13212"
        self.summary.value = f'<span style="color:{color}"><b>{html.escape(run.summary)}</b></span>'
        if run.summary == CLOSED_MESSAGE:
            self.summary.value = closed_html()
        self.result.value = (
            prose(f"<b>Response</b><pre>{html.escape(run.result)}</pre>") if run.result else ""
        )
        self.log.value = (
            prose(f"<b>Function logs</b><pre>{html.escape(run.log)}</pre>") if run.log else ""
        )
        return run

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
