"""What a Lab experiment shows: "show me" runs an experiment and collects its evidence.

An experiment returns one value (what a question's key must equal). While it runs under
:func:`demonstrate`, it can also lay out exhibits: the REPORT lines its Lab wrote, the 429
and its Reason, the DLQ message, the bill. Labs opened with :func:`experiment_lab` hand in
their logs by themselves when they close, so every experiment shows at least what ran.
Outside a demonstration (the linter's ``--run-experiments``) nothing is collected.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

MAX_EXHIBIT_CHARS = 4_000  # enough for a REPORT line, a record or a bill; long logs are cut
MAX_LOG_LINES = 30


@dataclass(frozen=True)
class Exhibit:
    title: str
    text: str


@dataclass(frozen=True)
class Demonstration:
    """The outcome of one "show me": the value, what was seen, or why it failed."""

    name: str
    description: str
    value: Any = None
    exhibits: tuple[Exhibit, ...] = ()
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Collector:
    exhibits: list[Exhibit] = field(default_factory=list)


_current: ContextVar[_Collector | None] = ContextVar("lambda_lab_quiz_evidence", default=None)


def collecting() -> bool:
    return _current.get() is not None


def render(value: Any) -> str:
    """An exhibit's text: JSON for data, the plain table of a bill, str() for the rest."""
    if isinstance(value, str):
        text = value
    elif hasattr(value, "_repr_markdown_") and hasattr(value, "lines"):  # a pricing Bill
        text = value._repr_markdown_()
    elif isinstance(value, (dict, list, tuple)):
        text = json.dumps(value, indent=2, default=_plain, ensure_ascii=False)
    else:
        text = str(value)
    if len(text) > MAX_EXHIBIT_CHARS:
        text = text[: MAX_EXHIBIT_CHARS - 20] + "\n... (cut for length)"
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def exhibit(title: str, value: Any) -> None:
    """Lay out one piece of evidence, if a demonstration is collecting (a no-op otherwise)."""
    collector = _current.get()
    if collector is not None:
        collector.exhibits.append(Exhibit(title, render(value)))


def record_logs(lab: Any, lines: int = MAX_LOG_LINES) -> None:
    """The last log lines of every function of ``lab``: START, output, END, REPORT."""
    if not collecting():
        return
    for group in lab.logs.groups():
        events = lab.logs.events(group)
        if events:
            shown = [event.message.rstrip("\n") for event in events][-lines:]
            exhibit(f"CloudWatch Logs {group}", "\n".join(shown))


@contextmanager
def experiment_lab(**options: Any) -> Iterator[Any]:
    """A fresh Lab for an experiment; its logs become exhibits when it closes."""
    from lambda_lab import Lab

    with Lab(**options) as lab:
        try:
            yield lab
        finally:
            record_logs(lab)


def demonstrate(name: str) -> Demonstration:
    """Run experiment ``name`` and return its value with everything it showed.

    A failing experiment is reported in ``error``, never raised: "show me" must not take
    the quiz down.
    """
    from lambda_lab.quiz.experiments import EXPERIMENTS

    found = EXPERIMENTS.get(name)
    if found is None:
        return Demonstration(name, "", error=f"unknown experiment '{name}'")
    collector = _Collector()
    token = _current.set(collector)
    started = time.monotonic()
    try:
        value = found.run()
    except Exception as exc:  # noqa: BLE001 - shown to the learner, never raised
        error = f"{type(exc).__name__}: {exc}"
        return Demonstration(
            name,
            found.description,
            None,
            tuple(collector.exhibits),
            error,
            time.monotonic() - started,
        )
    finally:
        _current.reset(token)
    exhibits = (*collector.exhibits, Exhibit("Result", render(value)))
    return Demonstration(name, found.description, value, exhibits, None, time.monotonic() - started)
