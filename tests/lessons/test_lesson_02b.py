"""Lesson 02b follows the lesson template (nbval runs it; this checks what nbval cannot see)."""

from __future__ import annotations

import json
import re
from pathlib import Path

LESSON = Path(__file__).resolve().parents[2] / "lessons" / "02b_cli_and_custom_runtimes.ipynb"
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
NUMBERED_HEADING = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def _cells() -> list[dict]:
    return json.loads(LESSON.read_text(encoding="utf-8"))["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_stored_without_outputs() -> None:
    dirty = [
        i
        for i, c in enumerate(_cells())
        if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])
    ]
    assert not dirty, f"cells {dirty} keep outputs"


def test_template_parts() -> None:
    markdown = [_text(c) for c in _cells() if c["cell_type"] == "markdown"]
    code = [_text(c) for c in _cells() if c["cell_type"] == "code"]
    assert markdown[0].startswith("# 02b · ")
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    assert 3 <= len([line for line in objectives.splitlines() if line.startswith("- ")]) <= 6
    numbers = []
    for text in markdown:
        heading = NUMBERED_HEADING.search(text)
        if heading:
            numbers.append(int(heading.group(1)))
            assert ANCHOR.search(text[: heading.start()]), f"{heading.group(0)!r} has no anchor"
    assert numbers == list(range(1, len(numbers) + 1))
    joined = "\n".join(markdown)
    assert "> **Exam tip**" in joined and "> **Outdated in older notes**" in joined
    assert "\nCleanUp(lab" in code[-2]  # the clean-up step the learner takes, before the quiz
    assert (
        code[-1].strip()
        == 'from lambda_lab import quiz; quiz.for_lesson("02b_cli_and_custom_runtimes")'
    )


def test_the_cli_lines_it_teaches_are_the_lectures() -> None:
    text = "\n".join(_text(c) for c in _cells())
    assert (
        "--cli-binary-format raw-in-base64-out" in text
    )  # the v2 line, shown as the lectures type it
    assert "--endpoint-url" in text and "AWS_ENDPOINT_URL" in text
    assert "provided.al2023" in text and "bootstrap" in text
