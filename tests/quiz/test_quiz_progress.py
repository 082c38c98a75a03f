"""The progress store: where it lives, atomic writes, unreadable files kept aside, merging,
export and import."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lambda_lab.quiz.progress import (
    FORMAT,
    ProgressFileError,
    ProgressStore,
    data_home,
    progress_path,
)


def clock() -> datetime:
    return datetime(2026, 3, 1, 12, 30, 5, tzinfo=timezone.utc)


def test_the_data_home_follows_the_environment(tmp_path):
    assert data_home({"LAMBDA_LAB_HOME": str(tmp_path)}) == tmp_path
    assert data_home({"XDG_DATA_HOME": "/x/data"}) == Path("/x/data/lambda-lab")
    assert data_home({"HOME": "/home/ann"}) == Path.home() / ".local" / "share" / "lambda-lab"
    env = {"LAMBDA_LAB_HOME": str(tmp_path), "LAMBDA_LAB_LEARNER": "ann"}
    assert progress_path(environ=env) == tmp_path / "quiz" / "ann.json"
    assert progress_path("bob", env) == tmp_path / "quiz" / "bob.json"
    with pytest.raises(ProgressFileError, match=r"learner name '\.\./x' must be 1-64 letters"):
        progress_path("../x", env)


def test_records_are_written_atomically_and_read_back(quiz_home):
    store = ProgressStore.open(learner="ann")
    store.record("q-one", correct=True)
    store.record("q-one", correct=False, hints_used=2)
    store.set_flag("q-two", True)
    store.save()
    folder = quiz_home / "quiz"
    assert sorted(p.name for p in folder.iterdir()) == ["ann.json"]  # no temporary files left
    data = json.loads((folder / "ann.json").read_text())
    assert data["format"] == FORMAT and data["version"] == 1
    record = data["questions"]["q-one"]
    assert (record["attempts"], record["correct"], record["last_result"]) == (2, 1, "wrong")
    assert record["hints_used"] == 2 and record["card"]["state"] in (1, 2, 3)
    again = ProgressStore.open(learner="ann")
    assert again.questions == store.questions and again.notices == []
    assert again.to_review(["q-one", "q-two", "q-three"]) == ["q-one", "q-two"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "{not json",
            "is not valid JSON (Expecting property name enclosed in double quotes at line 1)",
        ),
        ('{"some": "other tool"}', "is not a lambda-lab quiz progress file"),
        (
            json.dumps({"format": FORMAT, "version": 99, "questions": {}, "sessions": {}}),
            "has format version 99; this lambda-lab reads 1",
        ),
        (
            json.dumps({"format": FORMAT, "version": 1, "questions": []}),
            "is missing its 'questions' or 'sessions' table",
        ),
    ],
)
def test_an_unreadable_file_is_moved_aside_and_reported_never_overwritten(
    quiz_home, content, reason
):
    path = quiz_home / "quiz" / "default.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    store = ProgressStore(path, clock=clock)
    aside = path.with_name("default.json.unreadable-20260301T123005")
    assert store.notices == [
        f"{path} {reason}. It was moved to {aside} and progress starts afresh."
    ]
    assert aside.read_text() == content  # kept byte for byte
    store.record("q-one", correct=True)
    store.save()
    assert json.loads(path.read_text())["questions"]["q-one"]["attempts"] == 1
    assert aside.read_text() == content


def test_a_second_unreadable_file_in_the_same_second_gets_its_own_name(quiz_home):
    path = quiz_home / "quiz" / "default.json"
    path.parent.mkdir(parents=True)
    for content in ("first", "second"):
        path.write_text(content)
        ProgressStore(path, clock=clock)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == [
        "default.json.unreadable-20260301T123005",
        "default.json.unreadable-20260301T123005-2",
    ]


def test_saving_merges_what_another_front_end_wrote_meanwhile(quiz_home):
    terminal = ProgressStore.open()
    widget = ProgressStore.open()
    terminal.record("q-terminal", correct=True)
    terminal.keep_session("practice::all", {"mode": "practice"})
    terminal.save()
    widget.record("q-widget", correct=False)
    widget.save()
    merged = ProgressStore.open()
    assert sorted(merged.questions) == ["q-terminal", "q-widget"]
    assert list(merged.sessions) == ["practice::all"]
    merged.drop_session("practice::all")
    merged.save()
    assert ProgressStore.open().sessions == {}


def test_export_and_import_carry_progress_between_machines(quiz_home, tmp_path):
    laptop = ProgressStore.open(learner="ann")
    laptop.record("q-one", correct=True)
    laptop.save()
    exported = tmp_path / "ann-progress.json"
    laptop.export(exported)
    binder = ProgressStore.open(learner="binder")
    binder.record("q-two", correct=False)
    assert binder.import_file(exported) == 1
    assert sorted(ProgressStore.open(learner="binder").questions) == ["q-one", "q-two"]
    assert binder.import_file(exported) == 0  # nothing newer the second time


def test_import_refuses_files_that_are_not_progress(tmp_path):
    store = ProgressStore.open()
    other = tmp_path / "notes.json"
    other.write_text("[1, 2, 3]")
    with pytest.raises(
        ProgressFileError, match=f"^{other} is not a lambda-lab quiz progress file$"
    ):
        store.import_file(other)
    with pytest.raises(ProgressFileError, match="no such file"):
        store.import_file(tmp_path / "missing.json")
    assert other.read_text() == "[1, 2, 3]"  # the user's file is left alone


def test_notebook_helpers_export_and_import(tmp_path):
    import lambda_lab.quiz as quiz

    store = ProgressStore.open()
    store.record("q-one", correct=True)
    store.save()
    target = str(tmp_path / "mine.json")
    assert quiz.export_progress(target) == target
    assert quiz.import_progress(target, learner="other") == 1
