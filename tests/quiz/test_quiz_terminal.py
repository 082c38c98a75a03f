"""The terminal quiz, driven for real: through a pseudo-terminal with single keys (pexpect),
and through a pipe with one answer per line."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pexpect
import pytest

from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.kinds import number_text
from lambda_lab.quiz.profiles import packaged_profiles
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.terminal import NOT_SAVED

DOWN = "\x1b[B"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]")

STYLING = r"(?:\s|\x1b\[[\d;]*m)*"  # spaces, line breaks and ANSI colours between words


def items(topic: str, seed: int, count: int):
    """The items the command will show: same bank, same seed, same draw."""
    return Session(load_bank([topic]).questions, seed=seed, limit=count).items


def quiz_command(*args: str) -> list[str]:
    return ["-m", "lambda_lab.cli.app", "quiz", *args]


@pytest.fixture
def spawn(quiz_home):
    children = []

    def start(*args: str) -> pexpect.spawn:
        env = {**os.environ, "LAMBDA_LAB_HOME": str(quiz_home), "TERM": "xterm-256color"}
        child = pexpect.spawn(
            sys.executable,
            quiz_command(*args),
            env=env,
            dimensions=(60, 120),
            encoding="utf-8",
            timeout=15,
        )
        children.append(child)
        return child

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)
        child.close()


def finish(child: pexpect.spawn) -> str:
    """Wait for the program to end and return what it printed last, without colours."""
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return ANSI.sub("", child.before)


def test_single_keys_in_a_real_terminal_answer_hint_flag_show_quit_resume_and_end(spawn):
    first, second, third = items("concurrency", seed=7, count=3)
    assert (first.question.type, second.question.type, third.question.type) == (
        "numeric",
        "numeric",
        "single",
    )
    assert third.question.experiment is not None
    args = ("concurrency", "--seed", "7", "--count", "3")

    child = spawn(*args)
    child.expect_exact("Question 1/3")
    child.expect_exact("h hint · m mark for review")
    for _ in first.question.hints:
        child.send("h")
    child.expect_exact(f"Hint {len(first.question.hints)}: {first.question.hints[-1][:40]}")
    child.send("h")
    child.expect_exact("No more hints for this question.")
    child.send(f"{first.question.answer:g}\r")
    child.expect_exact("✔ Correct")
    child.expect_exact("Press any key to go on, q to save and quit.")  # no experiment: no s
    child.send(" ")  # any key goes on
    child.expect_exact("Question 2/3")
    child.send("m")
    child.expect_exact("⚑ flagged")  # in the header, redrawn above the message
    child.expect_exact("Flagged for review.")
    wrong = second.question.answer + second.question.tolerance + 1000
    child.send(f"{number_text(wrong)}5")  # typed as it is shown, commas and all
    child.send("\x7f")  # backspace takes the 5 away again
    child.send("\r")
    child.expect_exact(f"✘ Not quite. You answered: {number_text(wrong)}")  # 2,000 as typed
    child.expect_exact(f"Answer: {second.question.kind.key_text(second)}")
    child.send("q")  # save and quit at the feedback screen
    child.expect_exact("Saved. Run the same command again to resume where you left off.")
    finish(child)

    child = spawn(*args)
    child.expect_exact("Resuming your saved practice session: 2 of 3 answered")
    child.expect_exact("Question 3/3")
    right = next(o for o in third.options if third.question.choices[o.key].correct)
    child.send(DOWN * third.options.index(right))  # move the cursor to the right option...
    child.send(" ")  # ...select it with space
    child.send("\r")
    child.expect_exact("✔ Correct")
    child.expect_exact("Press any key to go on, s to see it in the Lab, q to save and quit.")
    child.send("s")  # show me: the experiment runs and its evidence follows the explanation
    child.expect_exact("In the Lab: ")
    child.expect_exact('"FunctionInvocationRateLimitExceeded": 2000')
    child.expect_exact("in a fresh Lab.")
    child.expect_exact("Press any key to go on, q to save and quit.")
    child.send("x")
    end = finish(child)
    assert "Practice: concurrency: 2/3 correct (67%)" in end
    assert "Score by exam domain" in end and "2/3" in end
    assert "Wrong and flagged questions" in end
    assert f"2. [wrong] {second.question.prompt[:40]}" in end
    assert second.question.references[0] in end

    child = spawn(*args)  # the finished session is gone: a new one starts
    child.expect_exact("Question 1/3")
    child.send("q")
    finish(child)


def test_an_exam_in_a_real_terminal_shows_the_clock_and_ends_with_a_verdict(spawn, answer_key):
    profile = packaged_profiles()["saa-c03"]
    first = Session(load_bank().questions, mode="exam", profile=profile, seed=3).items[0]
    child = spawn("--exam", "saa-c03", "--seed", "3")
    # (a long topic name wraps the clock onto the next line, behind colour codes)
    child.expect(r"Question 1/20.*exam.*time left" + STYLING + r"(39:5\d|40:00)")
    child.send("h")
    child.expect_exact("No hints in exam mode.")
    child.send(answer_key.right(first))  # letters select or toggle, digits type
    child.send("\r")  # answered; feedback is held until the end
    child.expect_exact("Question 2/20")
    child.send("m")
    child.expect_exact("Flagged for review.")
    child.send("n" * 18)
    child.expect_exact("Question 20/20")
    child.send("n")
    child.expect_exact("End of the exam: 19 question(s) unanswered or flagged.")
    child.send("\r")
    end = finish(child)
    assert "Solutions Architect Associate (serverless practice exam): 1/20 correct (5%)" in end
    assert "FAIL (pass mark 72%)" in end
    assert re.search(r"Time used 00:0\d of 40:00", end)
    assert "Design Secure Architectures" in end and "DVA-C02" not in end
    assert "[unanswered]" in end


def test_a_one_question_exam_in_the_terminal_has_two_minutes(spawn):
    child = spawn("--exam", "dva-c02", "--count", "1", "--seed", "1")
    child.expect(r"Question 1/1.*exam.*time left" + STYLING + r"(01:5\d|02:00)")
    child.send("q")
    finish(child)


def run_lines(quiz_home, *args: str, answers: str) -> str:
    env = {**os.environ, "LAMBDA_LAB_HOME": str(quiz_home)}
    done = subprocess.run(
        [sys.executable, *quiz_command(*args)],
        input=answers,
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_answers_from_a_pipe_work_for_scripts(quiz_home, answer_key):
    first, second, third = items("pricing", seed=2, count=3)
    assert first.question.type == "numeric" and second.question.experiment is not None
    args = ("pricing", "--seed", "2", "--count", "3")
    hints = "h\n" * (len(first.question.hints) + 1)
    answers = f"{hints}abc\n{first.question.answer:g}\nm\n{answer_key.wrong(second)}\ns\nq\n"
    out = run_lines(quiz_home, *args, answers=answers)
    assert "Question 1/3" in out and "Hint 1: " in out
    assert "No more hints for this question." in out
    assert "Type a number" in out  # "abc" is not a number: asked again
    assert out.count("✔ Correct") == 1 and "Flagged for review." in out
    assert "✘ Not quite." in out and f"Answer: {second.question.kind.key_text(second)}" in out
    assert "Type s to see this in the Lab, or answer the next question." in out
    assert "In the Lab: " in out and "Billed Duration: 101 ms" in out
    assert out.rstrip().endswith("Saved. Run the same command again to resume where you left off.")

    out = run_lines(quiz_home, *args, answers=f"{answer_key.right(third)}\n")
    assert "Resuming your saved practice session: 2 of 3 answered" in out
    assert "Practice: pricing: 2/3 correct (67%)" in out
    assert "Design Cost-Optimized Architectures" in out
    assert f"2. [wrong] {second.question.prompt[:40]}" in out

    out = run_lines(
        quiz_home, "pricing", "--review", "--seed", "2", answers=f"{answer_key.right(second)}\n"
    )
    assert "Question 1/1" in out and "Review: pricing: 1/1 correct (100%)" in out

    out = run_lines(quiz_home, "pricing", "--drill", answers="")
    assert re.search(
        r"Nothing is due\. The next review is due at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", out
    )


def test_end_of_input_saves_the_session(quiz_home):
    out = run_lines(quiz_home, "alb_integration", "--seed", "1", answers="")
    count = len(load_bank(["alb_integration"]).questions)
    assert f"Question 1/{count}" in out and "Saved." in out
    out = run_lines(quiz_home, "alb_integration", "--seed", "1", "--new", answers="q\n")
    assert "Resuming" not in out


def test_quitting_says_not_saved_when_progress_cannot_be_kept(quiz_home):
    """The progress file's place is taken by a folder: the store gives up (one note), and
    quitting must not claim the session was saved."""
    (quiz_home / "quiz" / "default.json").mkdir(parents=True)
    out = run_lines(quiz_home, "alb_integration", "--seed", "1", answers="q\n")
    assert "progress is kept for this session only" in out
    assert NOT_SAVED.split(",")[0] in out and "Saved." not in out
    out = run_lines(quiz_home, "alb_integration", "--seed", "1", answers="q\n")
    assert "Resuming" not in out
