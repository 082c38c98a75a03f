"""`lambda-lab exercises` in a real terminal (a pty, through pexpect): list, start, check and
watch; and `lambda-lab course` stopped by one Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pexpect
import pytest

from lambda_lab.exercises.catalog import get

LAMBDA_LAB = str(Path(sys.executable).parent / "lambda-lab")


def _as_in_a_terminal() -> None:
    # A suite started in the background (`nohup pytest &`) ignores SIGINT, SIGQUIT and SIGHUP,
    # and an ignored signal stays ignored across exec: Ctrl-C would never reach the command.
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def spawn(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> pexpect.spawn:
    """The command in a terminal of its own, with the signals a learner's terminal delivers."""
    return pexpect.spawn(
        LAMBDA_LAB,
        list(args),
        env={**os.environ, **(env or {}), "COLUMNS": "120"},
        cwd=str(cwd) if cwd else None,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
        preexec_fn=_as_in_a_terminal,
    )


def test_list_start_and_check_through_a_pty(tmp_path: Path) -> None:
    listing = spawn("exercises")
    listing.expect("new     00-hello-name")
    listing.expect(r"0 of \d+ passed")
    listing.expect(pexpect.EOF)

    started = spawn("exercises", "start", "00-hello-name", str(tmp_path))
    started.expect("Exercise 00-hello-name")
    started.expect("Wrote ")
    started.expect(pexpect.EOF)
    mine = tmp_path / "00-hello-name.py"
    assert mine.read_text() == get("00-hello-name").starter

    failing = spawn("exercises", "check", "00-hello-name", str(mine))
    failing.expect("Not yet")
    failing.expect("hint 1/2")
    failing.expect(pexpect.EOF)
    failing.close()
    assert failing.exitstatus == 1

    mine.write_text(get("00-hello-name").solution)
    passing = spawn("exercises", "check", "00-hello-name", str(mine))
    passing.expect("Passed")
    passing.expect(pexpect.EOF)
    passing.close()
    assert passing.exitstatus == 0

    again = spawn("exercises", "--lesson", "00")
    again.expect("passed  00-hello-name")
    again.expect("1 of 3 passed")


def test_a_second_failure_shows_the_next_hint(tmp_path: Path) -> None:
    mine = tmp_path / "00-fix-key.py"
    mine.write_text(get("00-fix-key").starter)
    for number in (1, 2, 2):  # the last hint repeats once all are shown
        run = spawn("exercises", "check", "00-fix-key", str(mine))
        run.expect(f"hint {number}/2")
        run.expect(pexpect.EOF)


@pytest.mark.slow
def test_watch_rechecks_on_save_and_stops_on_a_pass(tmp_path: Path) -> None:
    mine = tmp_path / "02-test-event.py"
    mine.write_text(get("02-test-event").starter)
    watch = spawn("exercises", "watch", "02-test-event", str(mine))
    watch.expect("Watching ")
    watch.expect("AttributeError")
    watch.expect("Waiting for the next save")
    mine.write_text(
        get("02-test-event").starter.replace("event.key1", "event['key1']")
    )  # half fixed
    watch.expect("Not yet")
    watch.expect("hint 2/2")
    mine.write_text(get("02-test-event").solution)
    watch.expect("Passed")
    watch.expect("Done")
    watch.expect(pexpect.EOF)
    watch.close()
    assert watch.exitstatus == 0


def test_unknown_exercise_is_named_with_a_suggestion() -> None:
    run = spawn("exercises", "check", "07-reserved-concurency", "--against", "starter")
    run.expect(
        "no exercise is called '07-reserved-concurency'; did you mean 07-reserved-concurrency"
    )
    run.expect(pexpect.EOF)
    run.close()
    assert run.exitstatus == 2


@pytest.mark.slow
def test_one_ctrl_c_stops_the_course_cleanly(tmp_path: Path) -> None:
    pytest.importorskip("jupyterlab", reason="needs the course extra")
    home = tmp_path / "home"
    home.mkdir()
    runtime = tmp_path / "runtime"
    env = {"HOME": str(home), "JUPYTER_RUNTIME_DIR": str(runtime), "JUPYTER_TOKEN": ""}
    course = spawn("course", "--no-browser", env=env)
    course.expect(r"open (http://127\.0\.0\.1:\d+/lab/tree/00_start_here\.ipynb\?token=\w+)")
    deadline = time.monotonic() + 120
    while not list(runtime.glob("jpserver-*.json")):
        assert time.monotonic() < deadline, "Jupyter never wrote its runtime file"
        time.sleep(0.3)
    course.sendintr()
    course.expect(pexpect.EOF, timeout=60)
    course.close()
    assert "Shut down this Jupyter server" not in (course.before or "")
    assert course.exitstatus == 0
    assert not list(runtime.glob("jpserver-*")), "stale runtime files left behind"
