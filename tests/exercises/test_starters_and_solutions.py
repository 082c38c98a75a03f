"""Rustlings' maintainer check: every starter fails its check with a verdict that names what
is wrong, and every solution passes.

The checks run through the command's own code (``lambda-lab exercises check NAME --against
...``) in this process, as a notebook kernel runs check after check in one process; one
exercise goes through the real command in a process of its own (tests/exercises/
test_terminal.py drives the others' paths in a terminal). A process per check cost each a
Python start, the package's import and, for half of them, moto's load (~0.5 s).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from lambda_lab.exercises import terminal
from lambda_lab.exercises.catalog import exercises

# What each starter's verdict must mention: the thing that is wrong, as the Lab saw it.
STARTER_SAYS = {
    "00-hello-name": "returned None",
    "00-fix-key": "KeyError: 'First'",
    "00-env-greeting": "KeyError: 'GREETING'",
    "01-who-called": "event from sqs",
    "01-stateless": "a new environment answered",
    "01-limits": "ValidationException",
    "02-test-event": "AttributeError",
    "02-warm-counter": "{'calls': 1}, {'calls': 1}",
    "02-handler-setting": "Runtime.HandlerNotFound",
    "02b-cli-invoke": "response.json holds ''",
    "02b-bash-runtime": "Sandbox.Timedout",
    "02b-weighted-alias": "version 1 ran 0",
    "03-latency-budget": "Timeout is 30 s",
    "03-stop-in-time": "Task timed out",
    "03-tmp-cache": "{'downloaded': True}, {'downloaded': True}",
    "04-dlq": "failed-orders was empty",
    "04-raise-on-failure": "to Lambda the call succeeded",
    "04-async-caller": '{"accepted": 200}',
    "05-fix-502": "the ALB answered 502",
    "05-multi-value": "answered 502",
    "05-serve-png": "application/octet-stream",
    "06-thumbnail": "no item with key",
    "06-partial-batch": "not processed exactly once",
    "06-cron": "Exactly one of Day-of-month and Day-of-week",
    "06-window-totals": "no state property",
    "07-reserved-concurrency": "8 calls ran at the same time",
    "07-hold-time": "were throttled",
    "07-provisioned": "unpublished function versions",
    "08-right-memory": "Runtime.OutOfMemory",
    "08-guest-orders": "orders [2, 4] failed",
    "08-structured-logs": "0 of the log lines are JSON",
    "08-error-rate-alarm": "2 of 5 calls failed (40%): OK",
    "09-io-bound-memory": "at 128 MB the same calls",
    "09-bill-calculator": "returned 0.6",
    "09-billed-waiting": "five calls were billed",
    "10-selection-pattern": "answered 200",
    "10-usage-plan": "without an API key answered 200",
    "10-order-model": 'POST {"item": "socks"} answered 200',
    "11-decrypt-in-init": "InvalidCiphertextException",
    "11-secret-cache": "Secrets Manager was asked 4 times",
    "11-vpc-network": "the internet (the payment provider) is not reachable",
    "11-url-permissions": "refused lambda:InvokeFunction",
    "10-token-authorizer": 'requestContext.authorizer = {"principalId": "ana", "integrationLatency"',
    "10-jwt-authorizer": "with the reporting tool's ID token answered 200",
    "12-broken-layer": "No module named 'yaml'",
    "12-layer-zip": "your ZIP holds no files",
    "12-tmp-space": "No space left on device",
    "13-safe-canary": "the broken release went straight to alias live",
    "13-pre-traffic-hook": "the hook let the broken version 2 through",
    "13-sam-events": "needs the ARN of the source",
    "14-retry-catch": "ended FAILED with ConnectionError after 1 call of charge",
    "14-idempotent": "payments holds 4 items",
    "14-fan-out-filters": "billing received ['m1', 'm2', 'm3', 'm4', 'm5']",
    "15-capstone": "score 0 %: missed R1 HTTP front door accepts an upload",
}


@dataclass
class Checked:
    returncode: int
    stdout: str
    stderr: str


def run_check(name: str, against: str, capfd: pytest.CaptureFixture[str]) -> Checked:
    """``lambda-lab exercises check NAME --against AGAINST``, through the command's parser and
    code, in this process."""
    parser = argparse.ArgumentParser(prog="lambda-lab exercises")
    terminal.configure(parser)
    capfd.readouterr()  # (nothing before the check)
    printed = io.StringIO()
    code = terminal.run(parser.parse_args(["check", name, "--against", against]), out=printed)
    besides = capfd.readouterr()  # all else on fds 1 and 2: this process and its children
    assert not besides.out, f"printed besides the verdict: {besides.out}"
    return Checked(code, printed.getvalue(), besides.err)


def run_command(name: str, against: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lambda_lab.cli.app",
            "exercises",
            "check",
            name,
            "--against",
            against,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={**os.environ, "COLUMNS": "120"},
    )


def test_every_exercise_has_a_starter_expectation() -> None:
    assert sorted(STARTER_SAYS) == sorted(e.id for e in exercises()), (
        "add new exercises to STARTER_SAYS"
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STARTER_SAYS))
def test_starter_fails_with_a_verdict_that_names_the_problem(
    name: str, capfd: pytest.CaptureFixture[str]
) -> None:
    done = run_check(name, "starter", capfd)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith(f"✘ Not yet ({name}): "), done.stdout
    assert STARTER_SAYS[name] in done.stdout, done.stdout
    assert "\n  expected: " in done.stdout and "\n  hint 1/" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(STARTER_SAYS))
def test_solution_passes(name: str, capfd: pytest.CaptureFixture[str]) -> None:
    done = run_check(name, "solution", capfd)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"✔ Passed ({name}): "), done.stdout


@pytest.mark.parametrize("against", ["starter", "solution"])
def test_the_real_command_checks_in_a_process_of_its_own(against: str) -> None:
    done = run_command("00-hello-name", against)
    assert done.returncode == (1 if against == "starter" else 0), done.stdout + done.stderr
    verdict = "✘ Not yet" if against == "starter" else "✔ Passed"
    assert done.stdout.startswith(f"{verdict} (00-hello-name): "), done.stdout
    assert "Traceback" not in done.stderr
