"""Lessons 02 and 03 follow the lesson template, and every quiz link into them lands on a section.

nbval runs the notebooks themselves (they are in ``testpaths``); this file checks what nbval
cannot see: the template's parts, stripped outputs, and the anchors that quiz questions use.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lesson_links import anchors_in, quiz_links_missing

ROOT = Path(__file__).resolve().parents[2]
LESSONS = {"02_first_function": "first_function", "03_configuration": "configuration"}

ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
NUMBERED_HEADING = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def _cells(lesson: str) -> list[dict]:
    with open(ROOT / "lessons" / f"{lesson}.ipynb", encoding="utf-8") as handle:
        return json.load(handle)["cells"]


def _text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _markdown(lesson: str) -> list[str]:
    return [_text(c) for c in _cells(lesson) if c["cell_type"] == "markdown"]


def _code(lesson: str) -> list[str]:
    return [_text(c) for c in _cells(lesson) if c["cell_type"] == "code"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_stored_without_outputs(lesson: str) -> None:
    dirty = [
        i
        for i, cell in enumerate(_cells(lesson))
        if cell["cell_type"] == "code" and (cell["outputs"] or cell["execution_count"])
    ]
    assert not dirty, (
        f"{lesson}: cells {dirty} keep outputs; clear them with nbconvert --clear-output"
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_title_and_objectives(lesson: str) -> None:
    markdown = _markdown(lesson)
    assert markdown[0].startswith(f"# {lesson[:2]} · "), f"{lesson}: first cell must be the title"
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    bullets = [line for line in objectives.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 6, f"{lesson}: expected 3-6 objectives, got {len(bullets)}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_numbered_sections_each_have_an_anchor(lesson: str) -> None:
    numbers = []
    for text in _markdown(lesson):
        heading = NUMBERED_HEADING.search(text)
        if heading:
            numbers.append(int(heading.group(1)))
            above = text[: heading.start()]
            assert ANCHOR.search(above), (
                f"{lesson}: section {heading.group(0)!r} has no anchor above it"
            )
    assert numbers == list(range(1, len(numbers) + 1)), f"{lesson}: sections numbered {numbers}"
    anchors = [a for text in _markdown(lesson) for a in ANCHOR.findall(text)]
    assert len(anchors) == len(set(anchors)), f"{lesson}: duplicate anchors in {anchors}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_boxes_widget_picture_and_clean_end(lesson: str) -> None:
    markdown = "\n".join(_markdown(lesson))
    assert "> **Exam tip**" in markdown and "> **Outdated in older notes**" in markdown
    code = _code(lesson)
    assert any("widgets" in cell or "InvokePanel" in cell for cell in code), f"{lesson}: no widget"
    assert any("plt.show()" in cell for cell in code), f"{lesson}: no picture"
    assert code[-1].strip() == f'from lambda_lab import quiz; quiz.for_lesson("{lesson}")'
    assert "\nCleanUp(lab" in code[-2], f"{lesson}: the clean-up step must come before the quiz"


@pytest.mark.parametrize("lesson", LESSONS)
def test_quiz_links_land_on_an_anchor(lesson: str) -> None:
    missing = quiz_links_missing(lesson, anchors_in(_markdown(lesson)))
    assert not missing, f"{lesson}: quiz links to missing sections: {missing}"
