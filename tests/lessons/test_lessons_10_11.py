"""Lessons 10 and 11 keep the lesson template, and every hands-on claim they make is what
the Lab printed.

nbval runs the notebooks as a learner does (``pytest --nbval-lax lessons/10_api_gateway.ipynb``),
and as it runs them the outputs of the cells that demonstrate something are checked
(tests/support/lesson_claims.py, through the nbval_claims plugin): a 429 after the burst, a
cached answer, an authorizer's deny, a 400 from validation, a decrypted variable, a
connection count... A lesson whose text promises what the Lab no longer does fails there.
This file checks that every checked cell is still in its lesson, that a check can fail, and
that nbval applies them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lesson_claims import check_cell, checked_cells
from lesson_links import anchors_in, quiz_links_missing

ROOT = Path(__file__).resolve().parents[2]
LESSONS = {"10_api_gateway": "api_gateway", "11_security_and_networking": "security_networking"}
# The section anchors the team brief fixes, so that question banks can link to them.
ANCHORS = {
    "10_api_gateway": [
        "integrations", "stages", "throttling", "caching", "validation", "authorizers", "cors",
        "limits", "custom-domains",
    ],
    "11_security_and_networking": [
        "roles-and-policies", "kms-env-vars", "secrets", "vpc", "rds-proxy", "function-url-auth",
    ],
}  # fmt: skip
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
SECTION = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def _notebook(lesson: str) -> dict:
    return json.loads((ROOT / "lessons" / f"{lesson}.ipynb").read_text(encoding="utf-8"))


def _texts(lesson: str, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in _notebook(lesson)["cells"] if c["cell_type"] == kind]


@pytest.mark.parametrize("lesson", LESSONS)
def test_stored_without_outputs(lesson):
    dirty = [
        c["id"]
        for c in _notebook(lesson)["cells"]
        if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])
    ]
    assert not dirty, f"{lesson}: cells {dirty} keep outputs"


@pytest.mark.parametrize("lesson", LESSONS)
def test_template(lesson):
    markdown, code = _texts(lesson, "markdown"), _texts(lesson, "code")
    assert markdown[0].startswith(f"# {lesson[:2]} · ")
    top = "\n".join(markdown[:3])
    for needed in ("**Time:**", "**Prerequisites:**", "**Exam domains:**", "> **In the Lab**"):
        assert needed in top, f"{lesson}: no {needed} at the top"
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    assert 3 <= sum(line.startswith("- ") for line in objectives.splitlines()) <= 6
    joined = "\n".join(markdown)
    assert "> **Exam tip**" in joined and "> **Outdated in older notes**" in joined
    assert any("Explorer(" in cell for cell in code), "no widget"
    assert any("plt.show()" in cell for cell in code), "no picture"
    assert sum("Prediction(" in cell for cell in code) >= 2, (
        "fewer than two predict-then-run questions"
    )
    shown = [re.search(r'exercises\.show\("([^"]+)"\)', cell) for cell in code]
    assert len([s for s in shown if s]) >= 3, "fewer than three exercises"
    assert "\nCleanUp(lab" in code[-2]  # the clean-up step the learner takes, before the quiz
    assert code[-1].strip() == f'from lambda_lab import quiz; quiz.for_lesson("{lesson}")'
    assert markdown[-1].startswith('<a id="next"></a>') and ".ipynb)" in markdown[-1]


@pytest.mark.parametrize("lesson", LESSONS)
def test_sections_are_numbered_anchored_and_have_the_fixed_anchors(lesson):
    numbers, anchors = [], set()
    for text in _texts(lesson, "markdown"):
        anchors |= set(ANCHOR.findall(text))
        for heading in SECTION.finditer(text):
            numbers.append(int(heading.group(1)))
            assert ANCHOR.search(text[: heading.start()]), f"{heading.group(0)!r} has no anchor"
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(ANCHORS[lesson]) <= anchors, f"missing anchors: {set(ANCHORS[lesson]) - anchors}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_exercises_of_the_lesson_exist_and_sit_in_its_sections(lesson):
    from lambda_lab.exercises.catalog import exercises

    mine = [e for e in exercises() if e.lesson == lesson]
    anchors = {a for text in _texts(lesson, "markdown") for a in ANCHOR.findall(text)}
    assert len(mine) >= 3
    assert all(e.section in anchors for e in mine), [e.section for e in mine]
    code = "\n".join(_texts(lesson, "code"))
    assert all(f'exercises.show("{e.id}")' in code for e in mine)


@pytest.mark.parametrize("lesson", LESSONS)
def test_quiz_links_land_on_an_anchor(lesson):
    assert not quiz_links_missing(lesson, anchors_in(_texts(lesson, "markdown")))


# -- what the lessons print is what the Lab did (checked on nbval's run: nbval_claims) -----------


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_checked_cell_is_in_the_lesson(lesson):
    ids = {c.get("id") for c in _notebook(lesson)["cells"] if c["cell_type"] == "code"}
    missing = checked_cells(lesson) - ids
    assert not missing, f"{lesson}: checks for cells that are not there: {sorted(missing)}"


def test_the_suite_loads_the_plugin_that_checks_them(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("nbval_claims")


def _stream(text: str) -> list[dict]:
    return [{"output_type": "stream", "name": "stdout", "text": text}]


def test_a_cell_that_prints_something_else_fails_its_check():
    with pytest.raises(AssertionError, match=r"\[stage-throttle\] does not print .*429"):
        check_cell("10_api_gateway", "stage-throttle", _stream("six at once: [200] * 6"))
    with pytest.raises(AssertionError, match="canary takes about its share"):
        check_cell("10_api_gateway", "canary-demo", _stream("{'1': 200} of 200 requests"))
    with pytest.raises(AssertionError, match="variable holds ciphertext"):
        check_cell("11_security_and_networking", "kms-encrypt", _stream("nothing about it"))


def test_a_cell_that_prints_what_the_lesson_says_passes():
    check_cell("10_api_gateway", "cache-keys", _stream(
        "asked for hats, got category: shoes | served from: hit\n"))  # fmt: skip
    check_cell("10_api_gateway", "no-such-cell", _stream("anything"))  # cells without checks


@pytest.mark.slow
def test_nbval_checks_what_a_lesson_cell_printed(tmp_path):
    """The plugin is wired to nbval: a lesson cell printing the wrong thing fails the run."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("print('six at once: [200, 200]')")]
    notebook.cells[0].id = "stage-throttle"
    nbformat.write(notebook, tmp_path / "10_api_gateway.ipynb")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "nbval_claims", "--nbval-lax", "-p", "no:xdist",
         "-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(tmp_path), "-q",
         "10_api_gateway.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "tests" / "support")},
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    assert "[stage-throttle] does not print" in run.stdout, run.stdout
