"""A widget's picture (a PNG drawn by matplotlib), hidden until there is one to show.

An ipywidgets ``Image`` without a value shows the browser's broken-image icon, which is what
a learner saw under a console before its first event.
"""

from __future__ import annotations

from typing import Any


def picture(**layout: Any) -> Any:
    """An ``ipywidgets.Image`` for PNG bytes, shown once its value is set (hidden while empty)."""
    import ipywidgets as widgets

    image = widgets.Image(format="png", layout=widgets.Layout(display="none", **layout))

    def show_when_drawn(change: dict) -> None:
        image.layout.display = None if change["new"] else "none"

    image.observe(show_when_drawn, names="value")
    return image
