"""A lesson's clean-up step: a button that closes the lesson's Lab once the learner is done.

Run All runs every cell, so a cell that closed the Lab would leave every widget above it with
nothing to run against. A lesson ends with this widget instead: the Lab stays open until the
learner presses "Close the Lab", or the kernel shuts down or restarts (which closes it too).

    CleanUp(lab)                                          # the lesson's Lab
    CleanUp(lab, also=[history, proxy], folders=[work])   # and other Labs, servers, folders

What ``also`` and ``folders`` name goes with the Lab, whichever way it closes
(:meth:`lambda_lab.lab.Lab.on_close`). The logic is :meth:`CleanUp.close`, which tests call.
"""

from __future__ import annotations

import functools
import html
import os
import shutil
from collections.abc import Iterable
from typing import Any

from lambda_lab.widgets.guard import guarded
from lambda_lab.widgets.prose import prose

__all__ = ["CleanUp"]


class CleanUp:
    def __init__(
        self,
        lab: Any,
        *,
        also: Iterable[Any] = (),
        folders: Iterable[str | os.PathLike[str]] = (),
    ) -> None:
        """``also``: other things to close with the Lab (each has ``close()``: another Lab, a
        server); ``folders``: folders the lesson made, removed with the Lab."""
        import ipywidgets as widgets

        if not (hasattr(lab, "on_close") and hasattr(lab, "closed")):
            raise TypeError(f"CleanUp needs the lesson's Lab (got {type(lab).__name__})")
        self.lab = lab
        self.also = list(also)
        self.folders = [os.fspath(folder) for folder in folders]
        unclosable = [type(thing).__name__ for thing in self.also if not hasattr(thing, "close")]
        if unclosable:
            raise TypeError(f"'also' takes things with a close() method (got {unclosable})")
        for thing in self.also:
            lab.on_close(thing.close)
        for folder in self.folders:
            lab.on_close(functools.partial(shutil.rmtree, folder, ignore_errors=True))
        self.button = widgets.Button(
            description="Close the Lab",
            icon="power-off",
            button_style="danger",
            layout=widgets.Layout(width="auto"),
        )
        self.status = widgets.HTML()
        self.button.on_click(guarded(self.status, self.close))
        self.widget = widgets.VBox([self.status, widgets.HBox([self.button])])
        self.widget.add_class("ll-clean-up")
        self._show_open()

    def environments(self) -> int:
        """Execution environments alive now in the Lab and in the other Labs given."""
        labs = [self.lab, *(thing for thing in self.also if hasattr(thing, "environments"))]
        return sum(len(lab.environments()) for lab in labs if not lab.closed)

    def _show_open(self) -> None:
        if self.lab.closed:
            self.button.disabled = True
            self.status.value = "<b>This Lab is already closed.</b>"
            return
        count = self.environments()
        alive = f"{count} execution environment{'s' if count != 1 else ''}"
        self.status.value = prose(
            f"<b>The Lab is still open</b> ({alive} alive now), so every widget above keeps "
            "working. When you are done with them, press <b>Close the Lab</b>: its processes "
            "end and their memory is freed. Shutting down or restarting the kernel (Kernel "
            "menu) closes it too."
        )

    def close(self) -> str:
        """Close the Lab and what goes with it; returns (and shows) what ended."""
        if self.lab.closed:
            self._show_open()
            return "already closed"
        count = self.environments()
        self.lab.close()  # runs the on_close steps: the other Labs, servers and folders
        parts = [f"{count} execution environment{'s' if count != 1 else ''}"]
        parts += [_name(thing) for thing in self.also]
        parts += [f"the folder {folder}" for folder in self.folders]
        ended = ", ".join(parts)
        self.button.disabled = True
        self.status.value = prose(
            f"<b>Closed.</b> Ended: {html.escape(ended)}. The widgets above now say that the "
            "Lab is closed; run the lesson from the top to start a new one."
        )
        return ended

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _name(thing: Any) -> str:
    if hasattr(thing, "environments"):  # another Lab
        return "another Lab"
    return type(thing).__name__
