"""A small console for an SQS event source mapping: send messages, move the clock, see batches.

    from lambda_lab.widgets.queue_console import QueueConsole
    QueueConsole(lab, queue_url, mapping_uuid).widget

Buttons send five good messages or one "bad" message (the lesson's handler reports it as a
failed item) and move a virtual clock by 1 or 30 seconds; below them, the queue's counters
and the poller's batches as a timeline. The buttons only call :meth:`send`, :meth:`advance`
and :meth:`refresh`, which tests call directly; on a closed Lab they raise ``LabClosed`` and
the buttons show why in the console.
"""

from __future__ import annotations

import html
import io
import itertools
from typing import Any

from lambda_lab.widgets.guard import check_open, guarded
from lambda_lab.widgets.picture import picture
from lambda_lab.widgets.timeline import poller_timeline


class QueueConsole:
    def __init__(self, lab: Any, queue_url: str, mapping_uuid: str) -> None:
        import ipywidgets as widgets

        self.lab = lab
        self.queue_url = queue_url
        self.poller = lab.event_sources.mappings.poller(mapping_uuid)
        self._numbers = itertools.count(1)
        self.status = widgets.HTML()
        self.picture = picture()
        buttons = [
            (widgets.Button(description="Send 5 messages", icon="envelope"), lambda: self.send(5)),
            (widgets.Button(description="Send a bad one", icon="bug", button_style="warning"),
             lambda: self.send(1, bad=True)),
            (widgets.Button(description="+1 second", icon="clock-o"), lambda: self.advance(1)),
            (widgets.Button(description="+30 seconds", icon="forward"), lambda: self.advance(30)),
        ]  # fmt: skip
        for button, action in buttons:
            button.layout = widgets.Layout(width="auto")  # the whole label, never "Send 5 messa…"
            button.on_click(guarded(self.status, action, lab))
            if not lab.clock.virtual and "second" in button.description:
                button.disabled = True  # a real clock moves by itself
        self.buttons = tuple(button for button, _ in buttons)
        self.widget = widgets.VBox([widgets.HBox(list(self.buttons)), self.status, self.picture])
        self.refresh()

    def send(self, count: int, bad: bool = False) -> None:
        check_open(self.lab)
        sqs = self.lab.aws.internal("sqs")
        for _ in range(count):
            number = next(self._numbers)
            sqs.send_message(
                QueueUrl=self.queue_url, MessageBody=f"{'bad' if bad else 'order'} {number}"
            )
        self.refresh(f"sent {count} message(s)")

    def advance(self, seconds: float) -> None:
        check_open(self.lab)
        self.lab.clock.advance(seconds=seconds)
        self.refresh(f"the clock moved {seconds:g} s")

    def counts(self) -> dict[str, int]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.lab.aws.internal("sqs").get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=names
        )
        attributes = attributes["Attributes"]
        return {
            "waiting": int(attributes.get("ApproximateNumberOfMessages", 0)),
            "in flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            "batches": len(self.poller.history),
        }

    def refresh(self, note: str = "") -> None:
        counts = ", ".join(f"{name}: {value}" for name, value in self.counts().items())
        self.status.value = f"{html.escape(note)} <i>({counts})</i>"
        if self.poller.history:
            figure = poller_timeline(self.poller.history)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=80)
            self.picture.value = buffer.getvalue()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
