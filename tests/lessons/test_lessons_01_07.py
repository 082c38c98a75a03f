"""Lessons 01 and 07 keep the team's lesson template; nbval runs the notebooks themselves.

Checked here: stored without outputs, title and objectives, numbered sections each with an
anchor (and every quiz link landing on one), the two kinds of boxes, a widget and a
picture, and a last cell that closes the Lab and opens the lesson's quiz.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LESSONS = {"01_serverless_concepts": "serverless_concepts", "07_concurrency": "concurrency"}
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
SECTION = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def _cells(lesson: str, kind: str | None = None) -> list[str]:
    cells = json.loads((ROOT / "lessons" / f"{lesson}.ipynb").read_text(encoding="utf-8"))["cells"]
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in cells
        if kind is None or c["cell_type"] == kind
    ]


@pytest.mark.parametrize("lesson", LESSONS)
def test_stored_without_outputs(lesson: str) -> None:
    cells = json.loads((ROOT / "lessons" / f"{lesson}.ipynb").read_text(encoding="utf-8"))["cells"]
    assert all(
        not c.get("outputs") and not c.get("execution_count")
        for c in cells
        if c["cell_type"] == "code"
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_template(lesson: str) -> None:
    markdown, code = _cells(lesson, "markdown"), _cells(lesson, "code")
    assert markdown[0].startswith(f"# {lesson[:2]} · ")
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    assert 3 <= sum(line.startswith("- ") for line in objectives.splitlines()) <= 6
    numbers = []
    for text in markdown:
        for heading in SECTION.finditer(text):
            numbers.append(int(heading.group(1)))
            assert ANCHOR.search(text[: heading.start()]), (
                f"{lesson}: {heading.group(0)!r} has no anchor"
            )
    assert numbers == list(range(1, len(numbers) + 1))
    joined = "\n".join(markdown)
    assert "> **Exam tip**" in joined and "> **Outdated in older notes**" in joined
    assert any("ConcurrencyDashboard(" in cell for cell in code), f"{lesson}: no widget"
    assert any("plt.show()" in cell for cell in code), f"{lesson}: no picture"
    assert "\nCleanUp(lab" in code[-2]  # the clean-up step the learner takes, before the quiz
    assert code[-1].strip() == f'from lambda_lab import quiz; quiz.for_lesson("{lesson}")'


@pytest.mark.parametrize("lesson", LESSONS)
def test_quiz_links_land_on_an_anchor(lesson: str) -> None:
    anchors = {a for text in _cells(lesson, "markdown") for a in ANCHOR.findall(text)}
    missing = []
    for bank in sorted((ROOT / "lambda_lab" / "quizzes").glob("*.yaml")):
        for question in yaml.safe_load(bank.read_text(encoding="utf-8")).get("questions", []):
            target, _, anchor = str(question.get("lesson", "")).partition("#")
            if target == lesson and anchor not in anchors:
                missing.append(f"{bank.name}:{question.get('id')} -> #{anchor}")
    assert not missing
