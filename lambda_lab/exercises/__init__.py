"""Exercises the Lab checks: write, fix or configure a function, and a fresh Lab runs it.

In a notebook::

    from lambda_lab import exercises
    exercises.show("07-reserved-concurrency")      # task, code box, Check, hints, verdict

    %%exercise 07-reserved-concurrency              # or: a code cell checked when it runs
    CONFIG = {...}

    exercises.check("07-reserved-concurrency", code)   # or: from code, returns a Verdict

In a terminal: ``lambda-lab exercises`` (list, check, watch, start, hint). Each exercise is
data (``data/exercises.yaml``), a starter and a solution file, and one check function
(``checks/``). Names are imported lazily so that the terminal starts fast.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = [
    "Exercise",
    "Verdict",
    "all_exercises",
    "check",
    "for_lesson",
    "get",
    "load_ipython_extension",
    "show",
]


def show(exercise_id: str, learner: str | None = None) -> Any:
    """The exercise as a widget: its task, a code box with the starter (or your last try),
    Check, Hint, Reset and Solution buttons, and the verdict with the next hint."""
    from lambda_lab.exercises.notebook import ExerciseWidget

    _register_magic()
    return ExerciseWidget(exercise_id, learner=learner).widget


def check(
    exercise_id: str,
    code: str | None = None,
    *,
    path: str | None = None,
    learner: str | None = None,
) -> Any:
    """Check ``code`` (or the file at ``path``) in a fresh Lab; returns the :class:`Verdict`
    (shown as HTML in a notebook, as text by print()). Never raises for what the code does."""
    from pathlib import Path

    from lambda_lab.exercises.attempts import attempt

    if (code is None) == (path is None):
        raise TypeError("check() takes the code or a path, one of the two")
    source = Path(path).read_text(encoding="utf-8") if path is not None else str(code)
    return attempt(exercise_id, source, learner=learner)


def all_exercises() -> tuple[Any, ...]:
    from lambda_lab.exercises.catalog import exercises

    return exercises()


def for_lesson(lesson: str) -> list[Any]:
    from lambda_lab.exercises.catalog import for_lesson as lesson_exercises

    return lesson_exercises(lesson)


def get(exercise_id: str) -> Any:
    from lambda_lab.exercises.catalog import get as find

    return find(exercise_id)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext lambda_lab.exercises``: registers the ``%%exercise NAME`` cell magic."""
    from lambda_lab.exercises.notebook import register_magic

    register_magic(ipython)


def _register_magic() -> None:
    ipython = sys.modules.get("IPython")  # not imported: no shell runs (and a CLI call saves
    if ipython is None:  # the 60-80 ms of importing it)
        return
    shell = ipython.get_ipython()
    if shell is not None and "exercise" not in shell.magics_manager.magics["cell"]:
        load_ipython_extension(shell)


def __getattr__(name: str) -> Any:
    if name == "Verdict":
        from lambda_lab.exercises.model import Verdict

        return Verdict
    if name == "Exercise":
        from lambda_lab.exercises.model import Exercise

        return Exercise
    raise AttributeError(f"module 'lambda_lab.exercises' has no attribute {name!r}")


_register_magic()  # `from lambda_lab import exercises` in a notebook makes %%exercise available
