"""The saved copy of checked banks: read back only while every input is unchanged, rebuilt
silently when stale or damaged, never the only copy, and identical to a fresh lint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from lambda_lab.quiz import bank_cache, lint
from lambda_lab.quiz.bank import load_bank

REAL_LINT = lint.lint

QUESTIONS = """
- id: c-single
  type: single
  domains: {SAA-C03: resilient, DVA-C02: development}
  prompt: Pick one.
  choices:
    - {text: Right, correct: true, value: 7}
    - {text: Wrong, feedback: Because it is wrong.}
  hints: [One is right.]
  references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
  lesson: 04_invocation_models#retries
- id: c-numeric
  type: numeric
  domains: {DVA-C02: troubleshooting}
  prompt: How many retries?
  answer: 2
  tolerance: 0.5
  unit: retries
  check: {limit: ASYNC_RETRIES_DEFAULT}
  explanation: Two by default.
  references: [https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html]
  lesson: 04_invocation_models
- id: c-order
  type: ordering
  domains: {DVA-C02: development}
  prompt: Put them in order.
  items: [first, second, third]
  explanation: That is the order.
  references: [https://docs.aws.amazon.com/lambda/latest/dg/welcome.html]
  lesson: 04_invocation_models
"""


def bank_text(topic: str, questions: str = QUESTIONS, prefix: str = "c") -> str:
    body = textwrap.indent(questions.strip("\n").replace("c-", f"{prefix}-"), "  ")
    return f"topic: {topic}\ntitle: A cached bank\nquestions:\n{body}\n"


@pytest.fixture
def folder(write_bank) -> Path:
    write_bank("alpha", bank_text("alpha", prefix="a"))
    return write_bank("beta", bank_text("beta", prefix="b")).parent


@pytest.fixture
def lint_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Every call of the linter made while loading banks (the real linter still runs)."""
    calls: list[list[Path]] = []
    real = lint.lint

    def counted(paths, **options):
        calls.append(list(paths))
        return real(paths, **options)

    monkeypatch.setattr(lint, "lint", counted)
    return calls


def fresh(folder: Path, topics: list[str]) -> list:
    """What the linter alone makes of these banks."""
    return REAL_LINT([folder / f"{t}.yaml" for t in topics]).questions


def test_the_second_load_comes_from_the_cache_and_equals_a_fresh_lint(folder, lint_calls):
    first = load_bank(directory=folder)
    assert len(lint_calls) == 1 and bank_cache.cache_path(folder).is_file()
    second = load_bank(directory=folder)
    assert len(lint_calls) == 1  # nothing parsed or checked again
    assert second == first
    assert list(second.questions) == fresh(folder, ["alpha", "beta"])
    assert [q.source for q in second.questions][:2] == [
        f"{folder / 'alpha.yaml'}:4",
        f"{folder / 'alpha.yaml'}:14",
    ]


def test_some_banks_come_from_the_whole_folders_cache(folder, lint_calls):
    load_bank(directory=folder)
    only_beta = load_bank(["beta"], directory=folder)
    assert len(lint_calls) == 1
    assert list(only_beta.questions) == fresh(folder, ["beta"])
    assert only_beta.topics == ("beta",) and only_beta.problems == ()


def test_a_changed_bank_is_linted_again(folder, lint_calls):
    load_bank(directory=folder)
    path = folder / "beta.yaml"
    path.write_text(path.read_text().replace("Pick one.", "Pick exactly one."))
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    changed = load_bank(directory=folder)
    assert len(lint_calls) == 2
    assert [q.prompt for q in changed.questions if q.id == "b-single"] == ["Pick exactly one."]
    assert load_bank(directory=folder) == changed and len(lint_calls) == 2


def test_a_new_bank_file_is_seen(folder, write_bank, lint_calls):
    load_bank(directory=folder)
    write_bank("gamma", bank_text("gamma", prefix="g"))
    assert load_bank(directory=folder).topics == ("alpha", "beta", "gamma")
    assert len(lint_calls) == 2


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\xff\xfe not text",
        b'{"key": {"format": "lambda-lab-quiz-bank-cache"}, "banks": ',
        b"[1, 2, 3]",
        b'{"key": null, "banks": {}}',
    ],
    ids=["empty", "binary", "truncated", "foreign", "wrong-key"],
)
def test_a_damaged_cache_is_rebuilt_silently(folder, lint_calls, damage: bytes):
    expected = load_bank(directory=folder)
    bank_cache.cache_path(folder).write_bytes(damage)
    assert load_bank(directory=folder) == expected
    assert len(lint_calls) == 2
    saved = json.loads(bank_cache.cache_path(folder).read_text())
    assert sorted(saved["banks"]) == ["alpha", "beta"]  # rewritten whole


@pytest.mark.parametrize("damage", ["a question without fields", "a choice with an extra field"])
def test_a_cache_with_the_right_key_but_a_bad_question_is_rebuilt(folder, lint_calls, damage):
    expected = load_bank(directory=folder)
    path = bank_cache.cache_path(folder)
    saved = json.loads(path.read_text())
    if damage == "a question without fields":
        saved["banks"]["alpha"][0] = {"id": "only-an-id"}
    else:
        saved["banks"]["beta"][0]["choices"][1]["colour"] = "red"
    path.write_text(json.dumps(saved))
    assert load_bank(directory=folder) == expected
    assert len(lint_calls) == 2


def test_a_bank_with_problems_is_never_cached_and_reported_every_time(write_bank, lint_calls):
    write_bank("good", bank_text("good", prefix="g"))
    broken = bank_text("broken", prefix="x").replace("answer: 2", "answer: two")
    folder = write_bank("broken", broken).parent
    for expected_calls in (1, 2):
        result = load_bank(directory=folder)
        assert [p.field for p in result.problems] == ["x-numeric.answer"]
        assert len(lint_calls) == expected_calls
    assert not bank_cache.cache_path(folder).exists()
    good_only = load_bank(["good"], directory=folder)  # the good bank alone: as the linter says
    assert good_only.problems == () and len(good_only.questions) == 3


def test_questions_json_would_change_are_not_saved(folder):
    questions = fresh(folder, ["alpha", "beta"])
    changed = [replace(questions[0], check={"limit": ("a", "tuple")}), *questions[1:]]
    assert bank_cache.save(folder, ["alpha", "beta"], changed) is False  # a tuple reads back a list
    assert not bank_cache.cache_path(folder).exists()
    assert bank_cache.save(folder, ["alpha", "beta"], questions) is True
    assert bank_cache.load(folder, ["alpha", "beta"]) == questions


def test_an_unwritable_data_folder_only_costs_time(folder, monkeypatch, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("LAMBDA_LAB_HOME", str(blocker))
    assert list(load_bank(directory=folder).questions) == fresh(folder, ["alpha", "beta"])


def test_sources_are_shown_relative_to_the_working_directory_of_each_start(folder, monkeypatch):
    load_bank(directory=folder)
    monkeypatch.chdir(folder)
    assert load_bank(directory=folder).questions[0].source == "alpha.yaml:4"


def test_duplicate_or_unknown_topics_go_to_the_linter(folder, lint_calls):
    load_bank(directory=folder)
    twice = load_bank(["alpha", "alpha"], directory=folder)
    assert any("duplicate id" in p.message for p in twice.problems)
    missing = load_bank(["nope"], directory=folder)
    assert [p.message for p in missing.problems] == ["no such file or directory"]


def test_the_packaged_banks_round_trip_through_the_cache():
    first = load_bank()
    assert bank_cache.cache_path(lint.BANKS_DIR).is_file()
    assert load_bank() == first
    assert sorted(first.questions, key=lambda q: q.id) == sorted(
        REAL_LINT().questions, key=lambda q: q.id
    )


def test_a_practice_quiz_started_from_the_cache_loads_only_what_asking_needs(quiz_home: Path):
    load_bank()  # fills the cache in quiz_home
    code = (
        "import json, sys; from lambda_lab.quiz.start import start; start(new=True); "
        "print(json.dumps(sorted(m for m in ('yaml', 'lambda_lab.quiz.lint', "
        "'lambda_lab.quiz.loader', 'lambda_lab.quiz.validate', 'lambda_lab.quiz.style', "
        "'lambda_lab.quiz.scoring', 'lambda_lab.quiz.profiles', 'lambda_lab.quiz.evidence') "
        "if m in sys.modules)))"
    )
    env = {**os.environ, "LAMBDA_LAB_HOME": str(quiz_home)}
    loaded = subprocess.check_output([sys.executable, "-c", code], text=True, env=env)
    assert json.loads(loaded) == []
