"""The exercise data: complete, consistent, three of different kinds in every lesson."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from lambda_lab.exercises.catalog import DATA, exercises, get
from lambda_lab.exercises.model import KINDS

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
COURSE = [
    "00_start_here",
    "01_serverless_concepts",
    "02_first_function",
    "02b_cli_and_custom_runtimes",
    "03_configuration",
    "04_invocation_models",
    "05_alb_integration",
    "06_event_sources",
    "07_concurrency",
    "08_monitoring",
    "09_pricing",
    "10_api_gateway",
    "11_security_and_networking",
    "12_packaging_and_layers",
    "13_deploying",
    "14_orchestration",
]


def test_three_exercises_of_different_kinds_in_every_lesson() -> None:
    kinds: dict[str, list[str]] = defaultdict(list)
    for exercise in exercises():
        kinds[exercise.lesson].append(exercise.kind)
    for lesson in COURSE:
        assert len(kinds[lesson]) >= 3, f"{lesson} has {len(kinds[lesson])} exercises"
        assert sorted(set(kinds[lesson])) == sorted(KINDS), f"{lesson}: kinds {kinds[lesson]}"


def test_every_exercise_is_complete() -> None:
    for exercise in exercises():
        assert exercise.hints and exercise.task and exercise.title, exercise.id
        assert exercise.starter != exercise.solution, exercise.id
        assert (LESSONS / f"{exercise.lesson}.ipynb").exists(), exercise.id


def test_every_exercise_sits_in_its_lesson_at_its_section() -> None:
    for exercise in exercises():
        notebook = json.loads((LESSONS / f"{exercise.lesson}.ipynb").read_text())
        sources = ["".join(cell["source"]) for cell in notebook["cells"]]
        anchor = next(i for i, s in enumerate(sources) if f'<a id="{exercise.section}"></a>' in s)
        shown = next(i for i, s in enumerate(sources) if f'exercises.show("{exercise.id}")' in s)
        later = [i for i, s in enumerate(sources) if i > anchor and '<a id="' in s and i < shown]
        assert anchor < shown and not later, f"{exercise.id} is not in section #{exercise.section}"


def test_unknown_names_are_reported_with_suggestions() -> None:
    try:
        get("07-reserved-concurency")
    except KeyError as problem:
        assert "07-reserved-concurrency" in str(problem)
    else:
        raise AssertionError("no KeyError")


def test_data_files_all_belong_to_an_exercise() -> None:
    known = {e.file for e in exercises()}
    for folder in ("starters", "solutions"):
        assert {p.name for p in (DATA / folder).iterdir()} == known, folder
