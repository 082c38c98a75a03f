"""Exercise progress: kept beside the quiz's, merged, and carried by quiz export/import."""

from __future__ import annotations

import json

from lambda_lab import quiz
from lambda_lab.exercises.attempts import attempt
from lambda_lab.exercises.catalog import get
from lambda_lab.exercises.progress import ExerciseProgress, exercise_progress_path


def test_attempts_hints_and_code_are_kept_beside_the_quiz_progress(private_home) -> None:
    verdict = attempt("00-hello-name", get("00-hello-name").starter)
    assert not verdict.passed and verdict.hint_number == 1
    path = exercise_progress_path()
    assert path.parent == private_home / "quiz" and path.name == "default.exercises.json"
    assert attempt("00-hello-name", get("00-hello-name").starter).hint_number == 2
    assert attempt("00-hello-name", get("00-hello-name").solution).passed
    entry = ExerciseProgress.open().entry("00-hello-name")
    assert entry["attempts"] == 3 and entry["passed"] and entry["hints_shown"] == 2
    assert entry["code"] == get("00-hello-name").solution


def test_quiz_export_and_import_carry_exercise_progress(
    private_home, tmp_path, monkeypatch
) -> None:
    attempt("00-hello-name", get("00-hello-name").solution)
    exported = tmp_path / "progress.json"
    quiz.export_progress(str(exported))
    data = json.loads(exported.read_text())
    assert (
        data["format"] == "lambda-lab-quiz-progress"
        and data["exercises"]["00-hello-name"]["passed"]
    )

    monkeypatch.setenv("LAMBDA_LAB_HOME", str(tmp_path / "elsewhere"))
    assert ExerciseProgress.open().status("00-hello-name") == "new"
    assert quiz.import_progress(str(exported)) >= 1
    assert ExerciseProgress.open().status("00-hello-name") == "passed"


def test_a_broken_progress_file_is_moved_aside(private_home) -> None:
    path = exercise_progress_path()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    store = ExerciseProgress.open()
    assert store.entries == {} and "moved to" in store.notices[0]
    assert list(path.parent.glob("default.exercises.json.unreadable-*"))


def test_check_never_raises_for_what_the_code_does() -> None:
    from lambda_lab import exercises

    broken = exercises.check("00-hello-name", "def lambda_handler(event, context)\n    return 1\n")
    assert broken.status == "fail" and "SyntaxError at line 1" in broken.seen
    assert "✘ Not yet" in str(broken) and "ll-fail" in broken._repr_html_()
    crash = exercises.check("00-hello-name", "import os\nos._exit(3)\n")
    assert crash.status == "fail"
