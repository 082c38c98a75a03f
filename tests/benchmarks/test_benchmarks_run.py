"""Every benchmark runs to the end with --quick and prints its figure.

No speed is asserted (the machine is shared): only that each script works, prints the
row it exists for, and exits cleanly, so that a change elsewhere cannot break one unseen.
(Four scripts had broken so, unnoticed: a new function is Pending before it can be invoked,
an update must complete before the next, and AWS sets no TMPDIR.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# script -> a piece of the line it must print. Issue 22's figures first, then the others.
SCRIPTS = {
    "warm_invoke.py": "lab.invoke, warm",
    "client_invoke.py": 'lab.client("lambda").invoke',
    "boto3_serve.py": "lambda-lab serve",
    "http_doors.py": "HTTP API (payload 2.0) door",
    "first_invoke.py": "first invoke result, wheel-like install",
    "payload.py": "lab.invoke(payload=bytes)",
    "growth.py": "lab.bill()",
    "concurrency.py": "successes",
    "simulate.py": "plain heapq loop",
    "quiz_startup.py": "lambda-lab quiz -> first question",
    "invoke.py": "Lab cold start to first response",
    "enforcement.py": "processes cap 1,024: the handler made",
    "event_sources.py": "SQS filter",
    "http_paths.py": "ALB door p50",
    "invocation_models.py": "S3 GetObject over loopback",
    "records_at_scale.py": "lab.logs.tail(50)",
    "serve.py": "boto3 invoke",
    "serve_restart.py": "after SIGKILL",
}
# The soaks' own code runs in the tests named here, on smaller counts and with bounds.
SOAKS = {
    "soak.py": "tests/test_soak.py",
    "soak_mixed.py": "tests/monitoring/test_bounded_memory.py",
    "serve_soak.py": "tests/serve/test_serve_growth.py",
}
RATIO = re.compile(r"\d\s?x\b|\bx\d")  # "1.32 x floor", "(1.18x)", "x12.4 an in-process ..."
LIMITS_NOT_SPEEDS = {"enforcement.py"}  # what each limit does, against the limit itself


def test_every_script_is_run_here_or_by_a_soak_test() -> None:
    scripts = {path.name for path in BENCHMARKS.glob("[!_]*.py")}
    assert scripts == set(SCRIPTS) | set(SOAKS)
    root = BENCHMARKS.parent
    assert all((root / test).is_file() for test in SOAKS.values())


def test_the_readme_lists_every_script() -> None:
    readme = (BENCHMARKS / "README.md").read_text()
    for script in [*SCRIPTS, *SOAKS]:
        assert f"`{script}`" in readme, script


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_benchmark_runs_quickly_and_prints_its_figure(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=BENCHMARKS.parent,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert SCRIPTS[script] in done.stdout, done.stdout[-2000:]
    assert "never stopped" not in done.stdout, done.stdout[-2000:]  # a limit that did nothing
    if script not in LIMITS_NOT_SPEEDS:
        assert RATIO.search(done.stdout), done.stdout[-2000:]  # a ratio, not only a number
