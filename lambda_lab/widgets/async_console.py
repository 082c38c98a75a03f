"""A small console for asynchronous invocations: send an event, move the virtual clock, watch.

    from lambda_lab.widgets.async_console import AsyncConsole
    AsyncConsole(lab, "fails", {"key1": "value1"}).widget

Buttons: "Send event" (InvocationType=Event), "+1 minute" and "Run until idle" (virtual
clock only). Below them, the journey of the events as text and as a timeline picture. The
logic is in plain methods (:meth:`send`, :meth:`advance`, :meth:`refresh`) that tests call
directly; the buttons only call them. Once the Lab is closed they raise ``LabClosed`` (an
event queued then would never run) and the buttons say so in the console.
"""

from __future__ import annotations

import io
from typing import Any

from lambda_lab.errors import LambdaError
from lambda_lab.widgets.guard import check_open, guarded
from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.prose import prose
from lambda_lab.widgets.timeline import async_timeline


class AsyncConsole:
    def __init__(self, lab: Any, function_name: str, event: Any = None) -> None:
        import ipywidgets as widgets

        self.lab = lab
        self.function_name = function_name
        self.event = {} if event is None else event
        self.request_ids: list[str] = []
        self.status = widgets.HTML()
        self.journey = widgets.HTML()
        self.picture = picture()
        send = widgets.Button(description="Send event", icon="paper-plane", button_style="primary")
        minute = widgets.Button(description="+1 minute", icon="clock-o")
        idle = widgets.Button(
            description="Run until idle", icon="forward", layout=widgets.Layout(width="auto")
        )
        send.on_click(guarded(self.status, self.send, lab))
        minute.on_click(guarded(self.status, lambda: self.advance(1), lab))
        idle.on_click(guarded(self.status, self.run_until_idle, lab))
        if not lab.clock.virtual:  # a real clock cannot be moved: the waits take real minutes
            minute.disabled = idle.disabled = True
        self.buttons = (send, minute, idle)
        self.widget = widgets.VBox(
            [widgets.HBox(list(self.buttons)), self.status, self.journey, self.picture]
        )
        self.refresh()

    def send(self) -> str | None:
        """Invoke asynchronously, as ``aws lambda invoke --invocation-type Event`` does."""
        check_open(self.lab)
        try:
            answer = self.lab.invoke_async(self.function_name, self.event)
        except LambdaError as exc:
            self.status.value = f"<b>{exc.code}</b>: {exc.message}"
            return None
        self.request_ids.append(answer["RequestId"])
        self.refresh(f"StatusCode {answer['StatusCode']}: the event is queued")
        return answer["RequestId"]

    def advance(self, minutes: float = 1) -> None:
        check_open(self.lab)
        self.lab.clock.advance(minutes=minutes)
        self.refresh(f"the clock moved {minutes:g} minute(s)")

    def run_until_idle(self) -> None:
        check_open(self.lab)
        self.lab.clock.run_until_idle()
        self.refresh("the clock ran until nothing was waiting")

    def events(self) -> list[Any]:
        return [self.lab.async_queue.journey(rid) for rid in self.request_ids]

    def refresh(self, note: str = "") -> None:
        import html

        events = self.events()
        clock = "virtual" if self.lab.clock.virtual else "real"
        self.status.value = (
            f"{html.escape(note)} <i>({clock} clock)</i>" if note else f"<i>{clock} clock</i>"
        )
        self.journey.value = prose(
            "".join(f"<pre>{html.escape(e.describe())}</pre>" for e in events)
        )
        if events:
            figure = async_timeline(events)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=80)
            self.picture.value = buffer.getvalue()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
