"""Every benchmark of issue 22 runs to the end with --quick and prints its figure.

No speed is asserted (the machine is shared): only that each script works, prints the
row it exists for, and exits cleanly, so that a change elsewhere cannot break one unseen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# script -> a piece of the line it must print
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
}


def test_the_readme_lists_every_script() -> None:
    readme = (BENCHMARKS / "README.md").read_text()
    for script in SCRIPTS:
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
    assert "x floor" in done.stdout or " x " in done.stdout  # a ratio, not only a number
