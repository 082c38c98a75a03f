"""Fuzzed ``lambda-lab`` arguments: price, quiz and invoke answer bad input with a message and
exit status 2 (or 1 for a quiz lint that found problems), never a traceback."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_lab.cli.app import main

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMBERS = st.sampled_from(
    ["0", "1", "-1", "1e3", "nan", "inf", "-inf", "1_000", "1,000", "²", "٣", "10240", "10241", "127",
     "128", "744", "745", "0x10", "99999999999999999999999", "1e400", "", " ", "--"]
)  # fmt: skip
PRICE_OPTIONS = st.sampled_from(
    ["--requests", "--duration-ms", "--memory", "--arch", "--ephemeral", "--async-event-kb",
     "--no-free-tier", "--provisioned", "--provisioned-hours", "--provisioned-requests", "--json",
     "--memory=64", "--arch=s390", "-x"]
)  # fmt: skip
QUIZ_WORDS = st.sampled_from(
    ["lint", "list", "export", "import", "--exam", "--review", "--drill", "--seed", "--count",
     "--learner", "--new", "--plain", "--run-experiments", "saa-c03", "no-such-exam", "pricing",
     "no-such-topic", "../../etc/passwd", "/nonexistent/progress.json", "a b", "\x00"]
)  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def scratch_folder(tmp_path_factory: pytest.TempPathFactory):
    """Run from a throwaway folder: `quiz export FILE` with a relative FILE writes there."""
    before = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(before)


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``lambda-lab ARGV`` in this process; any exception but SystemExit fails the test.

    Standard input is empty: a quiz that starts ends at once, with no answers.
    """
    out, err = io.StringIO(), io.StringIO()
    stdin, sys.stdin = sys.stdin, io.StringIO("")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        sys.stdin = stdin
    return code, out.getvalue(), err.getvalue()


def _said_why(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2), code
    if code == 2:
        assert (err or out).strip(), "exit status 2 with no message"
        assert "Traceback" not in err + out


@FUZZ
@given(argv=st.lists(PRICE_OPTIONS | NUMBERS | st.text(max_size=8), max_size=8))
def test_price_arguments(argv: list[str]) -> None:
    _said_why(*_run(["price", *argv]))


@settings(FUZZ, max_examples=60)  # a quiz that really starts lints every bank (about 50 ms)
@given(argv=st.lists(QUIZ_WORDS | NUMBERS | st.text(max_size=8), max_size=5))
def test_quiz_arguments(argv: list[str]) -> None:
    _said_why(*_run(["quiz", *argv]))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["price", "--requests", "²", "--duration-ms", "1", "--memory", "128"],
            "--requests must be an integer",
        ),
        (
            ["price", "--requests", "1", "--duration-ms", "nan", "--memory", "128"],
            "--duration-ms must be in range",
        ),
        (
            ["price", "--requests", "1", "--duration-ms", "1", "--memory", "64"],
            "--memory must be in range",
        ),
        (["quiz", "--count", "0"], "expected a whole number of at least 1"),
        (["quiz", "--learner", "../x"], "learner name '../x' must be"),
        (["quiz", "--exam", "nope"], "unknown exam profile 'nope'"),
        (["quiz", "no-such-topic"], "unknown topic 'no-such-topic'"),
        (["quiz", "export"], "expected one FILE, got 0"),
    ],
)
def test_bad_price_and_quiz_arguments_name_the_problem(argv: list[str], message: str) -> None:
    code, out, err = _run(argv)
    assert code == 2 and message in err + out


# -- invoke: every refusal comes before a Lab is started, except AWS's own validation ------------

INVOKE_OPTIONS = st.sampled_from(
    ["--handler", "--event", "--memory", "--timeout", "--times", "--event=@"]
)


@FUZZ
@given(argv=st.lists(INVOKE_OPTIONS | NUMBERS | st.text(max_size=8), max_size=6))
def test_invoke_arguments_for_code_that_does_not_exist(argv: list[str], tmp_path_factory) -> None:
    missing = str(tmp_path_factory.getbasetemp() / "no-such-handler.py")
    code, out, err = _run(["invoke", missing, *argv])
    assert code == 2 and "Traceback" not in err
    assert err.strip()


@pytest.fixture
def handler(tmp_path: Path) -> Path:
    path = tmp_path / "echo.py"
    path.write_text("def lambda_handler(event, context):\n    return event\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--times", "0"], "argument --times: expected a whole number of at least 1, got '0'"),
        (["--memory", "lots"], "argument --memory: invalid int value: 'lots'"),
        (["--event", "@/nonexistent/event.json"], "cannot read the event file"),
    ],
)
def test_invoke_refuses_bad_options_before_starting_a_lab(
    handler: Path, extra: list[str], message: str
) -> None:
    code, _, err = _run(["invoke", str(handler), *extra])
    assert code == 2 and message in err


def test_invoke_reports_aws_validation_and_unreadable_code(handler: Path, tmp_path: Path) -> None:
    code, _, err = _run(["invoke", str(handler), "--memory", "64"])
    assert code == 2
    assert "ValidationException" in err and "greater than or equal to 128" in err
    code, _, err = _run(["invoke", str(handler), "--event", "not json"])
    assert code == 2 and "InvalidRequestContentException" in err
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "lambda_function.py").write_text("def lambda_handler(e, c):\n    return 1\n")
    os.symlink("loop", folder / "loop")  # a file nobody can read, even root: ELOOP
    code, _, err = _run(["invoke", str(folder)])
    assert (
        code == 2
        and "cannot read the function's code" in err
        and "Too many levels of symbolic links" in err
    )
