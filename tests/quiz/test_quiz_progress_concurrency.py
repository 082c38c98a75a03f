"""One progress file, several quizzes at once: every graded answer reaches the disk (a lock
and an additive merge), and paths that cannot be used give one clear line, never a
traceback or a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.progress import ProgressStore, read_progress_file
from lambda_lab.quiz.session import Session

TOPIC = "pricing"
OTHER_TOPIC = "serverless_concepts"


class Ticking:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1) -> None:
        self.now += timedelta(seconds=seconds)


def test_two_stores_add_their_attempts_and_keep_the_latest_review(tmp_path) -> None:
    path = tmp_path / "quiz" / "ann.json"
    clock = Ticking()
    one, two = ProgressStore(path, clock), ProgressStore(path, clock)
    one.record("q", correct=True)
    one.save()
    clock.tick()
    two.record("q", correct=False)  # two never saw one's answer
    clock.tick()
    two.record("q", correct=False)
    two.set_flag("q", True)
    two.save()
    clock.tick()
    one.record("other", correct=True)
    one.save()  # one's stale copy of "q" must not undo two's answers
    record = read_progress_file(path)["questions"]["q"]
    assert (record["attempts"], record["correct"]) == (3, 1)
    assert record["last_result"] == "wrong" and record["flagged"] is True
    assert record["card"] == two.questions["q"]["card"]  # the latest review's card
    assert one.questions["q"]["attempts"] == 3  # a save brings the merged record back
    clock.tick()
    one.record("q", correct=True)
    one.set_flag("q", False)
    one.save()
    record = read_progress_file(path)["questions"]["q"]
    assert (record["attempts"], record["correct"], record["last_result"]) == (4, 2, "correct")
    assert record["flagged"] is False and record["card"] == one.questions["q"]["card"]


def test_an_import_replaces_records_even_over_a_newer_file(tmp_path) -> None:
    clock = Ticking()
    source = tmp_path / "export.json"
    exported = ProgressStore(tmp_path / "a.json", clock)
    exported.record("q", correct=True)
    exported.export(source)
    store = ProgressStore(tmp_path / "b.json", clock)
    assert store.import_file(source) == 1
    assert read_progress_file(tmp_path / "b.json")["questions"]["q"]["attempts"] == 1


WRITER = """
import sys
from pathlib import Path
from lambda_lab.quiz.progress import ProgressStore
store = ProgressStore(Path(sys.argv[1]))
for n in range(int(sys.argv[2])):
    store.record(f"q{n % 3}", correct=n % 2 == 0)
    store.save()
print(store.notices)
"""


def test_processes_saving_at_once_lose_no_attempt(tmp_path) -> None:
    path = tmp_path / "quiz" / "shared.json"
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), "60"], stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [writer.communicate(timeout=120)[0] for writer in writers]
    assert all(w.returncode == 0 for w in writers) and all(o.strip() == b"[]" for o in outputs)
    questions = read_progress_file(path)["questions"]
    assert sum(r["attempts"] for r in questions.values()) == 180
    assert sum(r["correct"] for r in questions.values()) == 90


def _quiz(
    home: Path, *args: str, answers: str, prefix: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    """`lambda-lab quiz` reading its answers from a file (a pipe of lines, as a script would)."""
    with tempfile.TemporaryFile("w+") as stdin:
        stdin.write(answers)
        stdin.seek(0)
        return subprocess.Popen(
            [*prefix, sys.executable, "-m", "lambda_lab.cli.app", "quiz", *args],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "LAMBDA_LAB_HOME": str(home)},
        )


def test_two_terminal_quizzes_on_one_file_keep_every_graded_answer(quiz_home, answer_key) -> None:
    # Two topics: a practice session puts questions answered in the last hour last, so a quiz
    # of the same topic would reorder its questions by what the other one has saved so far,
    # and the answers piped in below would no longer match the questions they meet.
    runs, expected = [], 0
    for seed, topic in ((1, TOPIC), (2, OTHER_TOPIC)):
        questions = load_bank([topic]).questions
        items = Session(questions, seed=seed, limit=len(questions)).items
        answers = "".join(
            (answer_key.right(item) if n % 3 else answer_key.wrong(item)) + "\n"
            for n, item in enumerate(items)
        )
        expected += len(items)
        runs.append(_quiz(quiz_home, topic, "--seed", str(seed), "--new", answers=answers))
    graded = 0
    for process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0 and err == "", err
        graded += out.count("✔ Correct") + out.count("✘ Not quite.")
    assert graded == expected
    questions = read_progress_file(quiz_home / "quiz" / "default.json")["questions"]
    assert sum(r["attempts"] for r in questions.values()) == graded


def _one_line_run(home: Path, prefix: tuple[str, ...] = ()) -> str:
    process = _quiz(home, TOPIC, "--count", "1", answers="q\n", prefix=prefix)
    try:
        out, err = process.communicate(timeout=60)  # a hang fails here
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("the quiz hung")
    assert process.returncode == 0 and err == "" and "Traceback" not in out, err + out
    return out


def _read_only(folder: Path) -> tuple[str, ...]:
    """A command prefix that runs the quiz with ``folder`` mounted read-only (root ignores
    file modes, so root gets a real read-only mount in a private mount namespace)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return ()
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to make a read-only folder for root")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && exec "$@"'
    return ("unshare", "-m", "sh", "-c", script, str(folder))


def test_a_read_only_folder_is_said_once_and_the_quiz_still_runs(quiz_home) -> None:
    folder = quiz_home / "quiz"
    folder.mkdir(parents=True)
    try:
        out = _one_line_run(quiz_home, _read_only(folder))
    finally:
        folder.chmod(0o755)
    notes = [line for line in out.splitlines() if "Progress cannot be saved" in line]
    assert len(notes) == 1 and "read-only" in notes[0], out
    assert "Question 1/1" in out and list(folder.iterdir()) == []


def test_a_folder_that_cannot_be_made_is_said_once(tmp_path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")  # LAMBDA_LAB_HOME under a plain file: nothing can be made there
    out = _one_line_run(blocker / "home")
    notes = [line for line in out.splitlines() if line.startswith("Note:")]
    assert len(notes) == 1 and "Not a directory" in notes[0], out
    assert "kept for this session only" in notes[0] and "Question 1/1" in out
    assert blocker.read_text() == "x"


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_fifo_or_folder_at_the_path_is_said_once_and_never_waited_on(quiz_home, kind) -> None:
    path = quiz_home / "quiz" / "default.json"
    path.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    out = _one_line_run(quiz_home)
    words = "a FIFO" if kind == "fifo" else "a folder"
    notes = [line for line in out.splitlines() if f"is {words}, not a progress file" in line]
    assert len(notes) == 1, out
    assert "kept for this session only" in notes[0]
    assert path.is_fifo() if kind == "fifo" else path.is_dir()  # left as it was


def test_the_store_never_raises_for_the_file_system(tmp_path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    store = ProgressStore(blocker / "quiz" / "ann.json")
    store.record("q", correct=True)
    store.save()
    store.save()
    assert not store.saving and len(store.notices) == 1, store.notices
    assert blocker.read_text() == "x"
