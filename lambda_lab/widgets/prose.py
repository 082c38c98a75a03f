"""Several lines of text in an ipywidgets ``HTML`` widget, at the notebook's line height.

ipywidgets gives an HTML widget's content the line height of a one-line control (28 px in
JupyterLab, ``--jp-widgets-inline-height``), so a paragraph, a table or a log in one read
double-spaced: one REPORT line took four lines of 28 px in the log browser. :func:`prose`
sets the line height of the notebook's own text on such content (and on a label that may wrap,
or that must line up with such content beside it).
"""

from __future__ import annotations

LINE_HEIGHT = "var(--jp-content-line-height, 1.6)"  # (unitless: each element scales it by its font)


def prose(fragment: str) -> str:
    """``fragment`` in a block at the notebook's line height ("" stays "": nothing to show)."""
    return f'<div style="line-height: {LINE_HEIGHT}">{fragment}</div>' if fragment else ""
