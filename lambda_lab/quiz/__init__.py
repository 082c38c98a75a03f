"""The quiz engine: YAML banks -> validated questions -> sessions -> widget or terminal.

At the end of a lesson::

    from lambda_lab.quiz import show
    for_lesson("04_invocation_models")        # 10 of the lesson's questions, then a score
    show("invocation_models")                 # the whole topic, with feedback and hints
    show(exam="saa-c03")                      # a timed exam with a question grid

In a terminal: ``lambda-lab quiz``. Names are imported lazily: the terminal quiz must
start fast, and ipywidgets is only needed by :func:`show`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ProgressStore",
    "Question",
    "Session",
    "export_progress",
    "for_lesson",
    "import_progress",
    "lint_banks",
    "load_bank",
    "show",
]

_LAZY = {
    # not "lint": importing the submodule lambda_lab.quiz.lint would shadow that name
    "lint_banks": ("lambda_lab.quiz.lint", "lint"),
    "load_bank": ("lambda_lab.quiz.bank", "load_bank"),
    "Session": ("lambda_lab.quiz.session", "Session"),
    "ProgressStore": ("lambda_lab.quiz.progress", "ProgressStore"),
    "Question": ("lambda_lab.quiz.model", "Question"),
}


def show(
    *topics: str,
    exam: str | None = None,
    mode: str = "practice",
    seed: int | None = None,
    count: int | None = None,
    learner: str | None = None,
    new: bool = False,
) -> Any:
    """A quiz widget for the given topics (all when none): practice, review, drill, or an
    exam when ``exam`` names a profile such as "saa-c03". Progress is shared with the
    terminal quiz, and a saved session resumes unless ``new`` is true."""
    from lambda_lab.quiz.widget import build

    return build(topics, exam=exam, mode=mode, seed=seed, count=count, learner=learner, new=new)


def for_lesson(
    lesson: str,
    *,
    count: int = 10,
    seed: int | None = None,
    learner: str | None = None,
    new: bool = False,
) -> Any:
    """A lesson's short quiz: ``count`` (8 to 12) of its questions with feedback, hints and
    "show me", a score at the end, then a button to practise the whole topic. Questions
    the learner answered most recently (say, on the start page) come last."""
    from lambda_lab.quiz.widget import build_lesson

    return build_lesson(lesson, count=count, seed=seed, learner=learner, new=new)


def export_progress(path: str, learner: str | None = None) -> str:
    """Write this learner's progress to ``path`` (download it before a Binder session ends)."""
    from pathlib import Path

    from lambda_lab.quiz.progress import ProgressStore

    ProgressStore.open(learner).export(Path(path))
    _companions("export_into", Path(path), learner)
    return path


def import_progress(path: str, learner: str | None = None) -> int:
    """Merge a file written by :func:`export_progress`; returns how many records changed."""
    from pathlib import Path

    from lambda_lab.quiz.progress import ProgressStore

    changed = ProgressStore.open(learner).import_file(Path(path))
    return changed + sum(_companions("import_from", Path(path), learner))


# Progress kept beside the quiz's (the exercises') travels in the same exported file: each
# module named here has export_into(path, learner) and import_from(path, learner) -> int.
PROGRESS_COMPANIONS = ("lambda_lab.exercises.progress",)


def _companions(function: str, path: Any, learner: str | None) -> list[Any]:
    return [
        getattr(importlib.import_module(name), function)(path, learner)
        for name in PROGRESS_COMPANIONS
    ]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'lambda_lab.quiz' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
