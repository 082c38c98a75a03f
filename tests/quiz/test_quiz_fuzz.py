"""Fuzzed banks and progress files: any YAML text and any damage to a real question give a
list of problems with file:line:column, never a traceback; a question the linter lets
through works in a session and in the terminal views; a damaged progress file is set aside
with a notice that names what is wrong."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from lambda_lab.quiz import render
from lambda_lab.quiz.kinds import AnswerError
from lambda_lab.quiz.lint import BANKS_DIR, format_problems, lint
from lambda_lab.quiz.progress import FORMAT, VERSION, ProgressStore, progress_path
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.start import start

# The fixtures give a private folder and home; re-using them across examples is intended.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REAL_QUESTIONS = [
    question
    for path in sorted(BANKS_DIR.glob("*.yaml"))
    for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
]
# Everything safe YAML can hold: dates, bytes, sets, huge and non-finite numbers, odd keys.
SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12)
    | st.dates() | st.datetimes() | st.binary(max_size=5)
    | st.sampled_from(["SAA-C03", "DVA-C02", "resilient", "https://docs.aws.amazon.com/lambda/",
                       "04_invocation_models", "single", "multiple", "numeric", "ordering",
                       "true_false", "ASYNC_RETRIES_DEFAULT", "(Select TWO.)", "a", "ab"])
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=8) | st.integers() | st.booleans() | st.none(), inner, max_size=4
        )
        | st.sets(st.integers(), max_size=3)
    ),
    max_leaves=10,
)
YAML_SNIPPETS = st.sampled_from(
    ["topic: t\ntitle: T\nquestions:\n", "  - id: q\n", "    type: single\n", "    choices:\n",
     "      - {text: a, correct: true}\n", "- ", ": ", "? [a, b]\n: c\n", "&anchor 1\n", "*anchor\n",
     "*missing\n", "!!python/object:os.system ls\n", "!!binary aGk=\n", "!!set {a, b}\n", "<<: *x\n",
     "key: [unclosed\n", "'open string\n", "\t- tab\n", "%YAML 1.2\n---\n", "---\n...\n", "\x00", "\ufeff"]
)  # fmt: skip


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, prefix + (index,))


@st.composite
def damaged_questions(draw, protect: tuple[str, ...] = ()):
    """A real question with one to three values replaced, deleted or added, anywhere in it."""
    question = copy.deepcopy(draw(st.sampled_from(REAL_QUESTIONS)))
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in _paths(question) if p and p[0] not in protect]
        if not places:
            break
        place = draw(st.sampled_from(places))
        parent = question
        for key in place[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[place[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[place[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=6) | st.integers())] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return question


def _bank_text(*questions) -> str:
    return yaml.safe_dump(
        {"topic": "fuzz", "title": "Fuzz", "questions": list(questions)}, allow_unicode=True
    )


def _well_formed(result, path: Path) -> None:
    report = format_problems(result)
    for problem in result.problems:
        assert problem.path.endswith(path.name) and problem.message, problem
        assert problem.line >= 1 and problem.column >= 1, problem
        assert str(problem) in report


@pytest.fixture
def bank_file(tmp_path: Path) -> Path:
    return tmp_path / "fuzz.yaml"


@FUZZ
@given(text=st.lists(YAML_SNIPPETS | st.text(max_size=30), max_size=8).map("".join))
def test_any_text_is_linted_into_problems_not_a_traceback(bank_file: Path, text: str) -> None:
    bank_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = lint([bank_file])
    _well_formed(result, bank_file)
    assert result.problems or result.questions  # an empty or broken bank always says why


@FUZZ
@given(data=st.binary(max_size=64))
def test_bytes_that_are_not_utf8_are_one_clear_problem(bank_file: Path, data: bytes) -> None:
    bank_file.write_bytes(b"topic: fuzz\n" + data)
    result = lint([bank_file])
    _well_formed(result, bank_file)
    assert result.problems


@FUZZ
@given(question=damaged_questions())
def test_any_damage_to_a_question_is_reported_with_its_place(bank_file: Path, question) -> None:
    bank_file.write_text(_bank_text(question), encoding="utf-8", errors="surrogatepass")
    result = lint([bank_file])
    _well_formed(result, bank_file)
    assert len(result.questions) + bool(result.problems) >= 1  # built, or said why not


def test_a_domain_that_is_a_list_or_mapping_is_a_problem(bank_file: Path) -> None:
    question = copy.deepcopy(REAL_QUESTIONS[0])
    question["domains"] = {"SAA-C03": ["resilient"], "DVA-C02": {"a": 1}}
    bank_file.write_text(_bank_text(question), encoding="utf-8")
    messages = [p.message for p in lint([bank_file]).problems]
    assert any(
        m.startswith("unknown domain a list of 1 for SAA-C03; expected one of:") for m in messages
    )
    assert any(m.startswith("unknown domain a mapping for DVA-C02") for m in messages)


@FUZZ
@given(
    question=damaged_questions(protect=("id", "type", "domains", "references", "lesson")),
    seed=st.integers(0, 2**31),
    typed=st.lists(
        st.text(max_size=6) | st.sampled_from(["a", "ab", "b", "1", "inf", "nan", "-1e999"]),
        max_size=4,
    ),
)
def test_a_question_the_linter_accepts_works_in_a_session(
    bank_file: Path, question, seed, typed
) -> None:
    bank_file.write_text(_bank_text(question), encoding="utf-8", errors="surrogatepass")
    accepted = lint([bank_file]).questions
    if not accepted:
        return
    console = Console(file=io.StringIO(), width=80)
    session = Session(accepted, seed=seed)
    console.print(render.question_view(session))
    console.print(render.question_view(session, interactive=False))
    session.hint()
    for text in typed:
        try:
            feedback = session.submit_text(text)
        except AnswerError as refused:
            assert str(refused)  # a message for the learner, and the question stays open
            continue
        assert feedback is not None
        console.print(render.feedback_view(feedback))
        break
    console.print(render.end_view(session.finish(), "Fuzz"))


# -- progress files -----------------------------------------------------------------------------

RECORD_FIELDS = (
    "attempts",
    "correct",
    "flagged",
    "card",
    "updated",
    "last_answered",
    "last_result",
    "hints_used",
)
RECORDS = st.fixed_dictionaries({}, optional=dict.fromkeys(RECORD_FIELDS, VALUES)) | VALUES


@FUZZ
@given(records=st.dictionaries(st.sampled_from(["pr-billed-101ms", "other"]), RECORDS, max_size=2))
def test_a_damaged_progress_record_sets_the_file_aside_with_a_notice(records) -> None:
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT, "version": VERSION, "questions": records, "sessions": {}}
    path.write_text(json.dumps(document, default=str), encoding="utf-8")
    store = ProgressStore.open()
    if store.notices:  # not ours: moved aside whole, never rewritten, and the learner is told
        assert "moved to" in store.notices[0] and store.questions == {}
        aside = Path(store.notices[0].split("moved to ")[1].split(" and progress")[0])
        assert json.loads(aside.read_text(encoding="utf-8")) == json.loads(
            json.dumps(document, default=str)
        )
        aside.unlink()
    store.record("pr-billed-101ms", correct=True)
    store.set_flag("pr-billed-101ms", True)
    assert store.to_review(["pr-billed-101ms", "other"])[0] == "pr-billed-101ms"
    store.save()
    begun = start(["pricing"], mode="drill", seed=1)
    assert begun.store.notices == []  # what was saved reads back cleanly
    path.unlink()
