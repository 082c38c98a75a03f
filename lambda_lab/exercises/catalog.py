"""The exercises shipped with the course: ``data/exercises.yaml`` plus the starter and
solution files, read once and checked for consistency (every problem is reported at once).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_lab.exercises.model import KINDS, Exercise

DATA = Path(__file__).parent / "data"
ID_PATTERN = re.compile(r"(\d\d[a-z]?)-[a-z0-9]+(-[a-z0-9]+)*")
FIELDS = ("id", "lesson", "section", "kind", "title", "task", "hints", "check")


class CatalogError(ValueError):
    """The exercise data is inconsistent; the message lists every problem found."""


@lru_cache(maxsize=1)
def exercises() -> tuple[Exercise, ...]:
    """Every exercise, in the order of the file: the order of the lessons and within each one."""
    import yaml

    from lambda_lab.quiz.loader import SAFE_LOADER  # libyaml's: 3 ms here, not 55

    raw = yaml.load((DATA / "exercises.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    problems: list[str] = []
    found: list[Exercise] = []
    for number, entry in enumerate(raw or [], start=1):
        exercise = _read_entry(number, entry, problems)
        if exercise is not None:
            found.append(exercise)
    ids = [e.id for e in found]
    problems += [
        f"exercise id {i!r} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise CatalogError("data/exercises.yaml: " + "; ".join(problems))
    return tuple(found)


def _read_entry(number: int, entry: Any, problems: list[str]) -> Exercise | None:
    if not isinstance(entry, dict):
        problems.append(f"entry {number} is not a table")
        return None
    missing = [name for name in FIELDS if not entry.get(name)]
    if missing:
        problems.append(f"entry {number} ({entry.get('id')!r}) lacks {', '.join(missing)}")
        return None
    ident = str(entry["id"])
    if not ID_PATTERN.fullmatch(ident) or not str(entry["lesson"]).startswith(
        ident.split("-")[0] + "_"
    ):
        problems.append(
            f"{ident!r}: ids look like '07-reserved-concurrency' and start with the lesson number"
        )
    if entry["kind"] not in KINDS:
        problems.append(f"{ident}: kind must be one of {', '.join(KINDS)} (got {entry['kind']!r})")
    hints = entry["hints"]
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        problems.append(f"{ident}: hints must be a list of texts")
        hints = []
    file_name = str(entry.get("file") or f"{ident}.py")
    starter, solution = DATA / "starters" / file_name, DATA / "solutions" / file_name
    for path in (starter, solution):
        if not path.is_file():
            problems.append(f"{ident}: {path.relative_to(DATA)} is missing")
    return Exercise(
        id=ident, lesson=str(entry["lesson"]), section=str(entry["section"]), kind=str(entry["kind"]),
        title=str(entry["title"]), task=str(entry["task"]).strip(), hints=tuple(hints),
        check=str(entry["check"]), file=file_name, lab=dict(entry.get("lab") or {}),
        starter_path=starter, solution_path=solution,
    )  # fmt: skip


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; a KeyError that lists the close names otherwise."""
    for exercise in exercises():
        if exercise.id == exercise_id:
            return exercise
    import difflib

    names = [e.id for e in exercises()]
    close = difflib.get_close_matches(exercise_id, names, n=3, cutoff=0.5)
    suggestion = (
        f"; did you mean {', '.join(close)}?"
        if close
        else f"; there are {len(names)}: see `lambda-lab exercises`"
    )
    raise KeyError(f"no exercise is called {exercise_id!r}{suggestion}")


def for_lesson(lesson: str) -> list[Exercise]:
    """The exercises of one lesson (``"07_concurrency"``), in order."""
    return [e for e in exercises() if e.lesson == lesson]


def check_function(exercise: Exercise) -> Callable[..., str]:
    """The check named by the exercise: ``lesson_07.reserved_concurrency`` under checks/."""
    module_name, _, function_name = exercise.check.rpartition(".")
    module = importlib.import_module(f"lambda_lab.exercises.checks.{module_name}")
    function = getattr(module, function_name)
    return function
