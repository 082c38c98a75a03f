"""Predict, then run: the learner commits to an answer before a cell shows what the Lab did.

    guess = Prediction("10 calls arrive at once with reserved concurrency 2. How many run?",
                       ["all 10", "2; 8 are throttled", "2 now, 8 queued for later"])
    guess                                        # shows the choices and a Commit button

    ... the demo cell runs ...
    guess.reveal("2; 8 are throttled", "Reserved concurrency is a cap: ...")

The reveal never waits for a click, so Run All (and nbval) pass: without a committed answer
it says so and shows what the Lab did, and the widget above says how to predict afresh.
"""

from __future__ import annotations

import html
from typing import Any


class Prediction:
    def __init__(self, question: str, options: list[str]) -> None:
        import ipywidgets as widgets

        if len(options) < 2 or len(set(options)) != len(options):
            raise ValueError(f"a prediction needs two or more different options (got {options!r})")
        self.question = question
        self.options = list(options)
        self.committed: str | None = None
        self.choices = widgets.RadioButtons(
            options=self.options, value=None, layout=widgets.Layout(width="auto")
        )
        self.commit_button = widgets.Button(
            description="Commit to this answer",
            button_style="info",
            layout=widgets.Layout(width="auto"),
        )
        self.status = widgets.HTML(
            "<small>Pick an answer and commit before you run the next cell.</small>"
        )
        self.commit_button.on_click(lambda _: self.commit(self.choices.value))
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<b>Predict:</b> {html.escape(question)}"),
                self.choices,
                self.commit_button,
                self.status,
            ]
        )

    def commit(self, choice: str | None) -> None:
        if choice is None:
            self.status.value = "<small>Pick one of the answers first.</small>"
            return
        if choice not in self.options:
            raise ValueError(f"{choice!r} is not one of {self.options}")
        self.committed = choice
        self.choices.disabled = self.commit_button.disabled = True
        self.status.value = (
            f"<small>You predicted: <b>{html.escape(choice)}</b>. Now run the next cell.</small>"
        )

    def reveal(self, actual: str, why: str = "") -> Any:
        """What the Lab did, next to the learner's prediction (shown in the calling cell)."""
        from IPython.display import HTML

        if actual not in self.options:
            raise ValueError(f"{actual!r} is not one of {self.options}")
        if self.committed is None:
            verdict = "You did not commit to a prediction, so here is simply what happened."
        elif self.committed == actual:
            verdict = f"✔ You predicted <b>{html.escape(self.committed)}</b>, and so it was."
        else:
            verdict = f"✘ You predicted <b>{html.escape(self.committed)}</b>."
        self.choices.disabled = self.commit_button.disabled = True
        if self.committed is None:  # e.g. Run All ran the demo before any answer was picked
            self.status.value = (
                f"<small>Already revealed: the Lab did <b>{html.escape(actual)}</b> before you "
                "committed (Run All runs the demo too). Run this cell again to predict afresh."
                "</small>"
            )
        else:
            self.status.value = f"<small>The Lab: <b>{html.escape(actual)}</b>.</small>"
        return HTML(
            "<div style='border-left:4px solid #1565c0;background:#e3f2fd;padding:.4rem .6rem;"
            f"border-radius:4px;overflow-wrap:anywhere'>{verdict} The Lab did: <b>{html.escape(actual)}</b>."
            + (f"<br>{html.escape(why)}" if why else "")
            + "</div>"
        )

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
