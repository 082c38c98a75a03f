"""The course as a whole: every lesson follows the template, every link lands, every quiz
topic has a lesson, and every topic of the lectures is taught and tested.

Nothing here counts lessons or questions by hand: the lessons are the notebooks in
lessons/, the questions are the banks' own, and the topics come from tests/data/syllabus.yaml
(drawn from the lectures in shared/seeds/). nbval runs the notebooks themselves; this file
checks what nbval cannot see.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache, lru_cache
from pathlib import Path

import pytest
import yaml

from lambda_lab.quiz.schema import LESSONS as QUIZ_LESSONS
from lambda_lab.quiz.schema import lesson_of_topic

ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = ROOT / "lessons"
BANKS_DIR = ROOT / "lambda_lab" / "quizzes"
SYLLABUS = Path(__file__).resolve().parents[1] / "data" / "syllabus.yaml"
START_PAGE = "00_start_here"

ANCHOR_TAG = re.compile(r"""<a\s+(?:id|name)=["']([^"']+)["']""")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
NUMBERED_HEADING = re.compile(r"^## (\d+)\. \S", re.MULTILINE)
LINK = re.compile(r"\]\(([^)\s]+)\)")
QUIZ_CELL = re.compile(r"^from lambda_lab import quiz; quiz\.(show|for_lesson)\((.*)\)$")
LAB_MADE = re.compile(r"^\s*(\w+)\s*=\s*Lab\(", re.MULTILINE)
CLEAN_UP_STEP = re.compile(r"^CleanUp\((\w+)(?:,\s*also=\[([\w, ]*)\])?", re.MULTILINE)
KEEP_OUTPUT_TAGS = {"keep-output", "keep_output"}
PICTURE_CODE = re.compile(r"plt\.(show|subplots|figure|imshow)\(|\bmatplotlib\b|\bdisplay\(Image\(")
PICTURE_MARKDOWN = re.compile(r"!\[[^\]]*\]\(|<img\s|<svg\b")
WIDGET_IMPORT = re.compile(
    r"from lambda_lab\.(?:widgets(?:\.\w+)?|quiz\.progress_panel|exercises\.predict) import ([\w, ]+)"
)


# -- reading notebooks and banks ---------------------------------------------------------------
def lesson_names() -> list[str]:
    return sorted(p.stem for p in LESSONS_DIR.glob("*.ipynb"))


@cache
def cells(lesson: str) -> tuple[dict, ...]:
    with open(LESSONS_DIR / f"{lesson}.ipynb", encoding="utf-8") as handle:
        return tuple(json.load(handle)["cells"])


def text(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def markdown(lesson: str) -> list[str]:
    return [text(c) for c in cells(lesson) if c["cell_type"] == "markdown"]


def code(lesson: str) -> list[str]:
    return [text(c) for c in cells(lesson) if c["cell_type"] == "code"]


def slug(heading: str) -> str:
    """A heading's anchor: '3. Cold and warm starts' -> 'cold-and-warm-starts'."""
    words = re.sub(r"^\d+[a-z]?\.\s*", "", heading.strip()).lower()
    words = re.sub(r"[^a-z0-9 -]", "", words)
    return re.sub(r"[ -]+", "-", words).strip("-")


@cache
def anchors(lesson: str) -> frozenset[str]:
    """Explicit <a id="..."> anchors and heading slugs of a lesson (empty if it does not exist)."""
    if not (LESSONS_DIR / f"{lesson}.ipynb").exists():
        return frozenset()
    found = set()
    for cell_text in markdown(lesson):
        found.update(ANCHOR_TAG.findall(cell_text))
        found.update(slug(h) for h in HEADING.findall(cell_text))
    return frozenset(found)


def resolves(target: str) -> str | None:
    """None if ``NN_topic#anchor`` (or a bare ``NN_topic``) lands; else why it does not."""
    lesson, _, anchor = target.partition("#")
    anchor = anchor.removeprefix(
        "cell-id="
    )  # how links between notebooks land (see tests/exercises)
    if not (LESSONS_DIR / f"{lesson}.ipynb").exists():
        return f"no lesson {lesson}.ipynb"
    if anchor and anchor not in anchors(lesson):
        return f"{lesson} has no section #{anchor}"
    return None


@lru_cache(maxsize=1)
def banks() -> dict[str, dict]:
    """Every bank file, read as plain YAML (a bank the linter would reject is still checked)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths = sorted(BANKS_DIR.glob("*.yaml"))
    return {p.name: yaml.load(p.read_text(encoding="utf-8"), Loader=loader) or {} for p in paths}


def questions() -> list[dict]:
    return [
        q for bank in banks().values() for q in bank.get("questions") or [] if isinstance(q, dict)
    ]


@lru_cache(maxsize=1)
def syllabus() -> list[dict]:
    return yaml.safe_load(SYLLABUS.read_text(encoding="utf-8"))["topics"]


def quiz_call(lesson: str) -> tuple[list[str], dict] | None:
    """The topics and keywords of the lesson's closing quiz cell, or None if it has none."""
    cells_of_code = [c for c in code(lesson) if c.strip()]
    found = QUIZ_CELL.match(cells_of_code[-1].strip()) if cells_of_code else None
    if not found:
        return None
    call = ast.parse(f"f({found.group(2)})", mode="eval").body
    assert isinstance(call, ast.Call)
    arguments = [ast.literal_eval(arg) for arg in call.args]
    keywords = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    if found.group(1) == "for_lesson":  # a lesson's own short quiz: the topic of its bank
        (lesson_name,) = arguments
        from lambda_lab.quiz.bank import load_bank

        topics = sorted(
            {q.topic for q in load_bank().questions if q.lesson.split("#")[0] == lesson_name}
        )
        return topics, {"lesson": lesson_name, **keywords}
    return arguments, keywords


# -- the lessons that must exist ----------------------------------------------------------------
@pytest.mark.parametrize("lesson", [START_PAGE, *QUIZ_LESSONS])
def test_the_lesson_exists(lesson: str) -> None:
    assert (LESSONS_DIR / f"{lesson}.ipynb").exists(), f"lessons/{lesson}.ipynb is missing"


def test_the_start_page_links_every_lesson() -> None:
    linked = {
        link.split("#")[0].removesuffix(".ipynb")
        for cell in markdown(START_PAGE)
        for link in LINK.findall(cell)
    }
    missing = [lesson for lesson in lesson_names() if lesson != START_PAGE and lesson not in linked]
    assert not missing, f"the start page does not link to: {missing}"


# -- the template, lesson by lesson -------------------------------------------------------------
@pytest.mark.parametrize("lesson", lesson_names())
def test_title_and_objectives(lesson: str) -> None:
    first = markdown(lesson)[0]
    number = re.escape(lesson.split("_")[0])
    assert re.match(rf"# {number} · \S", first), f"{lesson}: the first cell must be '# NN · Title'"
    objectives = [m for m in markdown(lesson) if m.startswith("## What you will learn")]
    assert objectives, f"{lesson}: no '## What you will learn' cell"
    bullets = [line for line in objectives[0].splitlines() if line.startswith("- ")]
    assert len(bullets) >= 2, f"{lesson}: 'What you will learn' lists {len(bullets)} objectives"


@pytest.mark.parametrize("lesson", lesson_names())
def test_numbered_sections_have_stable_anchors(lesson: str) -> None:
    numbers, unanchored = [], []
    for cell_text in markdown(lesson):
        for heading in NUMBERED_HEADING.finditer(cell_text):
            numbers.append(int(heading.group(1)))
            if not ANCHOR_TAG.search(cell_text[: heading.start()]):
                unanchored.append(cell_text[heading.start() :].splitlines()[0])
    assert numbers, f"{lesson}: no numbered '## N. ...' sections"
    assert numbers == list(range(1, len(numbers) + 1)), f"{lesson}: sections numbered {numbers}"
    assert not unanchored, f"{lesson}: sections without an <a id> above them: {unanchored}"
    explicit = [a for cell_text in markdown(lesson) for a in ANCHOR_TAG.findall(cell_text)]
    assert len(explicit) == len(set(explicit)), f"{lesson}: duplicate anchors in {explicit}"


@pytest.mark.parametrize("lesson", lesson_names())
def test_exam_tip_and_outdated_boxes(lesson: str) -> None:
    everything = "\n".join(markdown(lesson))
    missing = [
        box for box in ("> **Exam tip**", "> **Outdated in older notes**") if box not in everything
    ]
    assert not missing, f"{lesson}: missing {missing}"


@pytest.mark.parametrize("lesson", lesson_names())
def test_at_least_one_widget(lesson: str) -> None:
    body = "\n".join(
        code(lesson)[:-1]
    )  # the closing quiz is a widget too, but not the lesson's own
    imported = {name.strip() for names in WIDGET_IMPORT.findall(body) for name in names.split(",")}
    built = [
        name
        for name in imported
        if (name[:1].isupper() or name == "progress_panel") and f"{name}(" in body
    ]
    has_widget = bool(built) or "ipywidgets" in body
    assert has_widget, f"{lesson}: no widget (ipywidgets, or a lambda_lab widget made in a cell)"


@pytest.mark.parametrize("lesson", lesson_names())
def test_at_least_one_picture(lesson: str) -> None:
    drawn = any(PICTURE_CODE.search(c) for c in code(lesson)) or any(
        PICTURE_MARKDOWN.search(m) for m in markdown(lesson)
    )
    assert drawn is True, f"{lesson}: no picture (a matplotlib figure or an image)"


@pytest.mark.parametrize("lesson", lesson_names())
def test_ends_with_its_quiz(lesson: str) -> None:
    found = quiz_call(lesson)
    assert found is not None, (
        f"{lesson}: the last code cell must be `from lambda_lab import quiz; quiz.for_lesson(...)`"
    )
    topics, keywords = found
    unknown = [t for t in topics if f"{t}.yaml" not in banks()]
    assert not unknown, f"{lesson}: the quiz names topics without a bank: {unknown}"
    if keywords.get("lesson"):
        assert keywords["lesson"] == lesson, f"{lesson}: the quiz is another lesson's ({keywords})"
        assert topics, f"{lesson}: no question of any bank links to this lesson"
    elif lesson in QUIZ_LESSONS:
        assert topics == [lesson.split("_", 1)[1]], (
            f"{lesson}: the quiz must show its own topic, not {topics}"
        )


@pytest.mark.parametrize("lesson", lesson_names())
def test_every_lab_has_a_clean_up_step(lesson: str) -> None:
    """Run All runs every cell: a cell that closed the lesson's Lab would leave the widgets
    above it with nothing to run against. So a Lab is either closed in the cell that made it
    (a short-lived one) or left to the clean-up step the learner takes: the code cell just
    before the quiz, a ``CleanUp(lab, also=[...])`` button that names it."""
    bodies = code(lesson)
    made = [(index, name) for index, body in enumerate(bodies) for name in LAB_MADE.findall(body)]
    if not made:
        return
    found = CLEAN_UP_STEP.search(bodies[-2]) if len(bodies) >= 2 else None
    assert found, f"{lesson}: the code cell before the quiz must be its clean-up step, CleanUp(lab)"
    named = {found.group(1), *(n.strip() for n in (found.group(2) or "").split(",") if n.strip())}
    problems = []
    for index, name in made:
        closing = re.compile(rf"^\s*{name}\.close\(\)", re.MULTILINE)  # code, not a comment
        if name in named:
            early = [i for i, body in enumerate(bodies[:-2]) if closing.search(body)]
            if early:
                problems.append(f"{name} is closed in code cells {early}, before the clean-up step")
        elif not closing.search(bodies[index]):
            problems.append(f"{name} is neither closed in its own cell nor named by CleanUp(...)")
    assert not problems, f"{lesson}: {problems}"


@pytest.mark.parametrize("lesson", lesson_names())
def test_stored_without_outputs(lesson: str) -> None:
    dirty = [
        index
        for index, cell in enumerate(cells(lesson))
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count"))
        and not KEEP_OUTPUT_TAGS & set(cell.get("metadata", {}).get("tags", []))
        and "# NBVAL_CHECK_OUTPUT" not in text(cell)
    ]
    assert not dirty, (
        f"{lesson}: cells {dirty} keep outputs; clear them (or tag a cell keep-output)"
    )


@pytest.mark.parametrize("lesson", lesson_names())
def test_links_between_lessons_resolve(lesson: str) -> None:
    broken = []
    for cell_text in markdown(lesson):
        for target in LINK.findall(cell_text):
            if target.startswith("#"):
                target = f"{lesson}{target}"
            elif target.endswith(".ipynb") or ".ipynb#" in target:
                target = target.removeprefix("./").replace(".ipynb", "", 1)
            else:
                continue  # a web address or a file that is not a lesson
            problem = resolves(target)
            if problem:
                broken.append(f"{target}: {problem}")
    assert not broken, f"{lesson}: broken links: {broken}"


# -- the banks against the lessons --------------------------------------------------------------
@pytest.mark.parametrize("bank", sorted(banks()))
def test_every_question_links_to_a_lesson_section(bank: str) -> None:
    broken = []
    for question in banks()[bank].get("questions") or []:
        target = str(question.get("lesson", ""))
        problem = resolves(target) if target else "no lesson link"
        if problem:
            broken.append(f"{question.get('id')} -> {target}: {problem}")
    assert not broken, f"{bank}: {broken}"


def test_every_quiz_topic_has_a_lesson() -> None:
    orphans = []
    for name, bank in banks().items():
        lesson = lesson_of_topic(str(bank.get("topic")))
        if lesson is None or not (LESSONS_DIR / f"{lesson}.ipynb").exists():
            orphans.append(f"{name} (topic {bank.get('topic')!r} -> {lesson})")
    assert not orphans, f"quiz topics without a lesson: {orphans}"


# -- the syllabus: every topic of the lectures, taught and tested --------------------------------
def test_the_syllabus_is_well_formed() -> None:
    ids = [topic.get("id") for topic in syllabus()]
    assert len(ids) == len(set(ids)), (
        f"duplicate topic ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    )
    for topic in syllabus():
        assert set(topic) <= {"id", "title", "seeds", "sections", "questions"}, (
            f"{topic['id']}: unknown keys"
        )
        assert topic.get("title") and topic.get("seeds"), (
            f"{topic['id']}: needs a title and the seeds it comes from"
        )
        assert all(re.fullmatch(r"\d{3}", s) for s in topic["seeds"]), (
            f"{topic['id']}: seeds are 3-digit numbers"
        )


def topic_questions(topic: dict) -> list[str]:
    """Question ids that exist and test the topic: named in the map, or linked to its sections."""
    known = {str(q.get("id")): str(q.get("lesson", "")) for q in questions()}
    named = [qid for qid in topic.get("questions", []) if qid in known]
    linked = [qid for qid, lesson in known.items() if lesson in topic.get("sections", [])]
    return sorted(set(named + linked))


@pytest.mark.parametrize("topic", [t["id"] for t in syllabus()])
def test_every_topic_has_a_section_or_a_question(topic: str) -> None:
    entry = next(t for t in syllabus() if t["id"] == topic)
    taught = [s for s in entry.get("sections", []) if resolves(s) is None]
    assert taught or topic_questions(entry), (
        f"{topic}: no lesson section resolves and no question tests it"
    )


def test_every_section_and_question_named_in_the_syllabus_exists() -> None:
    known = {str(q.get("id")) for q in questions()}
    broken = [
        f"{t['id']}: {s}: {resolves(s)}"
        for t in syllabus()
        for s in t.get("sections", [])
        if resolves(s)
    ]
    broken += [
        f"{t['id']}: no question {qid}"
        for t in syllabus()
        for qid in t.get("questions", [])
        if qid not in known
    ]
    assert not broken, "syllabus entries that do not resolve:\n" + "\n".join(broken)


def test_every_topic_is_both_taught_and_tested() -> None:
    gaps = []
    for topic in syllabus():
        if not any(resolves(s) is None for s in topic.get("sections", [])):
            gaps.append(f"{topic['id']}: taught in no lesson section that exists")
        if not topic_questions(topic):
            gaps.append(f"{topic['id']}: tested by no question")
    assert not gaps, "topics of the lectures not yet taught or tested:\n" + "\n".join(gaps)
