"""Lessons 12, 13 and 14 and lesson 08's new sections follow the lesson template and carry
the anchors the team agreed on; in a real browser, a canary rolls back in lesson 13's console
(the other consoles are driven by tests/lessons/test_run_all_browser.py).

nbval runs the notebooks themselves (the slow lane); this file checks what nbval cannot:
stored without outputs, the template's parts, the section anchors quiz questions link to,
exercises in place, and a learner's clicks on the deployment console.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from classroom_envs import TOKEN
from lab_page import LessonPage
from lesson_links import anchors_in, quiz_links_missing

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"
# lesson -> (quiz topic, the anchors fixed in the team brief, the lesson that comes next)
LESSONS = {
    "12_packaging_and_layers": ("packaging_layers", ["works-locally", "packaging", "layers",
                                "container-images", "inside-the-environment"], "13_deploying"),
    "13_deploying": ("deploying", ["versions-aliases", "weighted-aliases", "codedeploy", "sam",
                                   "test-events"], "14_orchestration"),
    "14_orchestration": ("orchestration", ["step-functions", "standard-vs-express", "retry-catch",
                                           "callbacks", "parallel-map", "pipes", "fan-out",
                                           "idempotency", "snapstart", "extensions"], "15_capstone"),
}  # fmt: skip
WRITTEN = [name for name in LESSONS if (LESSONS_DIR / f"{name}.ipynb").exists()]
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
NUMBERED_HEADING = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def cells(lesson: str) -> list[dict]:
    return json.loads((LESSONS_DIR / f"{lesson}.ipynb").read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def of_type(lesson: str, kind: str) -> list[str]:
    return [text(c) for c in cells(lesson) if c["cell_type"] == kind]


def test_lessons_12_13_and_14_are_written() -> None:
    assert set(LESSONS) <= set(WRITTEN)


@pytest.mark.parametrize("lesson", WRITTEN)
def test_stored_without_outputs(lesson: str) -> None:
    dirty = [i for i, c in enumerate(cells(lesson))
             if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])]  # fmt: skip
    assert not dirty, f"{lesson}: cells {dirty} keep outputs"


@pytest.mark.parametrize("lesson", WRITTEN)
def test_template_parts(lesson: str) -> None:
    markdown, code = of_type(lesson, "markdown"), of_type(lesson, "code")
    assert markdown[0].startswith(f"# {lesson[:2]} · ")
    top = "\n".join(markdown[:3])
    for needed in ("**Time:**", "**Prerequisites:**", "**Exam domains:**", "> **In the Lab**"):
        assert needed in top, f"{lesson}: no {needed} at the top"
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    assert 3 <= len([line for line in objectives.splitlines() if line.startswith("- ")]) <= 6
    joined = "\n".join(markdown)
    assert "> **Exam tip**" in joined and "> **Outdated in older notes**" in joined
    assert "**Predict, then run.**" in joined and any("Prediction(" in c for c in code)
    assert any("Console(" in c for c in code), "no widget"
    assert any("plt.show()" in c for c in code), "no picture"
    assert "\nCleanUp(lab" in code[-2]  # the clean-up step the learner takes, before the quiz
    assert code[-1].strip() == f'from lambda_lab import quiz; quiz.for_lesson("{lesson}")'
    following = LESSONS[lesson][2]
    assert markdown[-1].startswith('<a id="next"></a>') and f"]({following}.ipynb)" in markdown[-1]


@pytest.mark.parametrize("lesson", WRITTEN)
def test_sections_are_numbered_and_carry_the_agreed_anchors(lesson: str) -> None:
    numbers = []
    anchors = []
    for cell in cells(lesson):
        found = ANCHOR.search(text(cell))
        if found:
            anchors.append(found.group(1))
            assert cell["id"] == found.group(1), f"cell {cell['id']} holds #{found.group(1)}"
        heading = NUMBERED_HEADING.search(text(cell))
        if heading:
            numbers.append(int(heading.group(1)))
            assert found, f"{heading.group(0)!r} has no anchor above it"
    assert numbers == list(range(1, len(numbers) + 1))
    agreed = LESSONS[lesson][1]
    assert [a for a in anchors if a in agreed] == agreed  # all of them, in the agreed order


@pytest.mark.parametrize("lesson", WRITTEN)
def test_three_exercises_sit_in_their_sections(lesson: str) -> None:
    from lambda_lab.exercises.catalog import for_lesson

    exercises = for_lesson(lesson)
    assert len({e.kind for e in exercises}) == 3 and len(exercises) >= 3
    sources = [text(c) for c in cells(lesson)]
    for exercise in exercises:
        shown = next(i for i, s in enumerate(sources) if f'exercises.show("{exercise.id}")' in s)
        last_anchor = max(i for i, s in enumerate(sources[:shown]) if ANCHOR.search(s))
        assert f'<a id="{exercise.section}"></a>' in sources[last_anchor], exercise.id


def test_lesson_08_has_the_new_monitoring_sections() -> None:
    sources = [text(c) for c in cells("08_monitoring")]
    anchors = [a for s in sources for a in ANCHOR.findall(s)]
    assert anchors.index("traces") < anchors.index("emf") < anchors.index("annotations-service-map")
    assert (
        anchors.index("annotations-service-map")
        < anchors.index("logs-insights")
        < anchors.index("clean-up")
    )
    numbers = [int(n) for s in sources for n in NUMBERED_HEADING.findall(s)]
    assert numbers == list(range(1, len(numbers) + 1))
    code = "\n".join(s for c, s in zip(cells("08_monitoring"), sources) if c["cell_type"] == "code")
    for used in ("history.emf.points", "find_traces(", "build_map(", "query_logs("):
        assert used in code


@pytest.mark.parametrize("lesson", [*WRITTEN, "08_monitoring"])
def test_quiz_links_land_on_an_anchor(lesson: str) -> None:
    assert not quiz_links_missing(lesson, anchors_in(of_type(lesson, "markdown")))


# -- in a real browser ---------------------------------------------------------------------------
ARTIFACTS = ROOT / "test-artifacts" / "lessons"


def index_of(lesson: str, pattern: str) -> int:
    return next(
        i for i, c in enumerate(cells(lesson)) if c["cell_type"] == "code" and pattern in text(c)
    )


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(900)
def test_a_learner_watches_a_canary_roll_back_in_the_browser(lessons_server, page) -> None:
    lesson = LessonPage(page, lessons_server, TOKEN, "13_deploying.ipynb")
    try:
        at = index_of("13_deploying", "DeploymentConsole(lab")
        lesson.run_until(at)
        console = lesson.cell(at, "deployment-console")
        console.get_by_role("button", name="Send 20 requests").click()
        console.locator("text=sent: ").first.wait_for()
        console.get_by_role("button", name="+1 minute").click()
        console.locator("pre", has_text="deployment stopped").wait_for()
        shown = console.inner_text()
        assert "alias live → version 2" in shown and "ALARM" in shown, shown
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "13-canary-rolled-back.png"))
    finally:
        lesson.shut_down_kernel()
