"""What a widget does when its Lab is closed or an action fails: it says so in its own view.

An exception raised in a button's callback goes to the kernel's log, where a learner never
looks: the click seems to do nothing. Every widget therefore runs its actions through
:func:`guarded`, which checks the Lab first and shows any failure in the widget itself.

    button.on_click(guarded(status, panel.test, lab))

:func:`shown_in` does the same for a lesson's own small widgets: the action's text goes into
an HTML view, or what went wrong does.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from lambda_lab.widgets.prose import prose

CLOSED_MESSAGE = (
    "This Lab is closed (by the lesson's clean-up step, or lab.close()), so this widget has "
    "nothing to run against. Run the lesson again from the top (Run → Run All Cells) to start "
    "a new Lab."
)


class LabClosed(RuntimeError):
    """An action needs a Lab that is closed."""

    def __init__(self) -> None:
        super().__init__(CLOSED_MESSAGE)


def lab_of(thing: Any) -> Any:
    """The Lab behind ``thing``: a Lab itself, a bound method of one (``lab.invoke``), or
    None when there is none to ask (a widget over plain data)."""
    for candidate in (thing, getattr(thing, "__self__", None)):
        if candidate is not None and hasattr(candidate, "closed") and hasattr(candidate, "pool"):
            return candidate
    return None


def is_closed(lab: Any) -> bool:
    try:
        return bool(lab is not None and lab.closed)
    except ReferenceError:  # a weak proxy of a Lab that is gone
        return True


def check_open(lab: Any) -> None:
    """Raise :class:`LabClosed` if ``lab`` is closed (or gone)."""
    if is_closed(lab):
        raise LabClosed()


def closed_html() -> str:
    return prose(
        f"<span style='color:#d13212'><b>Lab closed.</b> {html.escape(CLOSED_MESSAGE)}</span>"
    )


def problem_html(error: BaseException) -> str:
    """A failure as one readable line: the Lab closed, or the error's type and message."""
    if isinstance(error, LabClosed):
        return closed_html()
    code = getattr(error, "code", None)  # a LambdaError keeps AWS's error code
    name = code if isinstance(code, str) else type(error).__name__
    message = getattr(error, "message", None) or str(error)
    if "lab is closed" in str(message).lower():
        return closed_html()
    return prose(
        f"<span style='color:#d13212'><b>{html.escape(name)}</b>: "
        f"{html.escape(str(message))}</span>"
    )


def guarded(view: Any, action: Callable[[], Any], lab: Any = None) -> Callable[..., None]:
    """A callback for ``Button.on_click`` or ``observe``: runs ``action()`` unless ``lab`` is
    closed; a closed Lab or an exception is shown in ``view`` (an HTML widget's ``value``)."""

    def callback(*_: Any) -> None:
        if is_closed(lab):
            view.value = closed_html()
            return
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown to the learner, not lost in a log
            view.value = problem_html(error)

    return callback


def shown_in(view: Any, lab: Any, action: Callable[[], Any]) -> Callable[..., None]:
    """A callback that puts ``action()``'s text in ``view`` (an HTML widget), escaped; a closed
    Lab or a failure is shown there instead. For a lesson's own button:

        run_button.on_click(shown_in(run_result, lab, lambda: run_at(memory_slider.value)))
    """

    def show() -> None:
        view.value = html.escape(str(action()))

    return guarded(view, show, lab)
