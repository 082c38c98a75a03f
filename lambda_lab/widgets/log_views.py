"""Two views over a Lab's logs: a CloudWatch-style log browser and a REPORT line reader.

    LogBrowser(lab)        # pick a log group and stream, filter with a pattern
    ReportReader(lab)      # pick (or paste) a REPORT line and read it field by field

The logic is in plain functions (:func:`render_events`, :func:`report_choices`,
:func:`explain_html`) that tests call without a browser; the widgets only show their text.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Sequence
from typing import Any

from lambda_lab.monitoring.logs import LogEvent
from lambda_lab.monitoring.report_line import ReportLineError, observations, parse_report
from lambda_lab.widgets.guard import guarded, is_closed
from lambda_lab.widgets.prose import prose

ALL_STREAMS = "(all streams)"
SHOWN_EVENTS = 40


def render_events(events: Sequence[LogEvent], limit: int = SHOWN_EVENTS) -> str:
    """The last ``limit`` events as an HTML table: time (UTC), stream, message."""
    if not events:
        return "<i>No events match.</i>"
    rows = []
    for event in events[-limit:]:
        when = datetime.datetime.fromtimestamp(event.timestamp, datetime.timezone.utc).strftime(
            "%H:%M:%S.%f"
        )[:-3]
        stream = event.stream.rsplit("]", 1)[-1][:8]  # the environment id's first characters
        message = html.escape(event.message).replace("\t", " &rarr; ")
        rows.append(f"<tr><td><code>{when}</code></td><td><code>{stream}</code></td>"
                    f"<td style='text-align:left'><code>{message}</code></td></tr>")  # fmt: skip
    shown = f"last {limit} of {len(events)}" if len(events) > limit else f"{len(events)}"
    return (f"<b>{shown} events</b><table><tr><th>time (UTC)</th><th>stream</th><th>message</th></tr>"
            + "".join(rows) + "</table>")  # fmt: skip


def report_choices(lab: Any) -> list[tuple[str, str]]:
    """``(label, line)`` for every REPORT line in the Lab's log groups, oldest first."""
    found = []
    for group in lab.logs.groups():
        function = group.rsplit("/", 1)[-1]
        for event in lab.logs.events(group, pattern="REPORT RequestId"):
            start = "cold" if "Init Duration" in event.message else "warm"
            request_id = event.message.split("RequestId: ", 1)[1][:8]
            found.append((event.timestamp, f"{function} · {start} · {request_id}", event.message))
    return [(label, line) for _, label, line in sorted(found)]


def explain_html(text: str) -> str:
    """A REPORT line as a table of fields and meanings, then what the numbers say together."""
    try:
        fields = parse_report(text)
    except ReportLineError as exc:
        return f"<span style='color:#d13212'><b>Cannot read this line:</b> {html.escape(str(exc))}</span>"
    rows = "".join(
        f"<tr><td><b>{html.escape(f.name)}</b></td><td><code>{html.escape(f.value)} {f.unit}</code></td>"
        f"<td style='text-align:left'>{html.escape(f.meaning)}</td></tr>"
        for f in fields
    )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in observations(fields))
    return (f"<table><tr><th>field</th><th>value</th><th>what it means</th></tr>{rows}</table>"
            f"<b>Reading the numbers together</b><ul>{notes}</ul>")  # fmt: skip


class LogBrowser:
    """Log groups, their streams (one per execution environment) and a filter pattern."""

    def __init__(self, lab: Any, group: str | None = None, pattern: str = "") -> None:
        import ipywidgets as w

        self.lab = lab
        self.group = w.Dropdown(description="Log group", layout=w.Layout(width="60%"))
        self.stream = w.Dropdown(description="Stream", layout=w.Layout(width="60%"))
        self.pattern = w.Text(
            value=pattern, description="Filter", placeholder="e.g. REPORT, ERROR, Init*"
        )
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.output = w.HTML()
        self._refresh_groups(group)
        self.group.observe(guarded(self.output, self._refresh_streams), names="value")
        for control in (self.stream, self.pattern):
            control.observe(guarded(self.output, self.show), names="value")
        self.refresh_button.on_click(
            guarded(self.output, lambda: self._refresh_groups(self.group.value))
        )
        self.widget = w.VBox(
            [self.group, self.stream, w.HBox([self.pattern, self.refresh_button]), self.output]
        )

    def _refresh_groups(self, wanted: str | None) -> None:
        groups = self.lab.logs.groups()
        self.group.options = groups
        if groups:
            self.group.value = wanted if wanted in groups else groups[0]
        self._refresh_streams()

    def _refresh_streams(self) -> None:
        streams = self.lab.logs.streams(self.group.value) if self.group.value else []
        self.stream.options = [ALL_STREAMS, *streams]
        self.stream.value = ALL_STREAMS
        self.show()

    def events(self) -> list[LogEvent]:
        if not self.group.value:
            return []
        stream = None if self.stream.value in (None, ALL_STREAMS) else self.stream.value
        return self.lab.logs.events(
            self.group.value, stream=stream, pattern=self.pattern.value or None
        )

    def show(self) -> str:
        shown = render_events(self.events()) if self.group.value else "<i>No log groups yet.</i>"
        if is_closed(self.lab):  # its logs stay readable; say why nothing new arrives
            shown = (
                "<i>This Lab is closed: these are the logs it kept; nothing new will arrive.</i><br>"
                + shown
            )
        self.output.value = prose(shown)
        return self.output.value

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class ReportReader:
    """Pick a REPORT line from the Lab (or paste one from anywhere) and read it field by field."""

    def __init__(self, lab: Any = None, line: str = "") -> None:
        import ipywidgets as w

        self.lab = lab
        choices = report_choices(lab) if lab is not None else []
        self.picker = w.Dropdown(options=[("paste a line below", ""), *choices], description="REPORT line",
                                 layout=w.Layout(width="70%"))  # fmt: skip
        self.text = w.Textarea(
            value=line or (choices[-1][1] if choices else ""), layout=w.Layout(width="100%")
        )
        self.read_button = w.Button(description="Read it", button_style="info", icon="search")
        self.output = w.HTML()
        self.picker.observe(self._picked, names="value")
        self.read_button.on_click(guarded(self.output, self.read))
        self.widget = w.VBox([self.picker, self.text, self.read_button, self.output])
        if self.text.value:
            self.read()

    def _picked(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.text.value = change["new"]
            self.read()

    def read(self) -> str:
        self.output.value = prose(explain_html(self.text.value))
        return self.output.value

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
