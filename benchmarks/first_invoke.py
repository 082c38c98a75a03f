"""A fresh `python` to the first invoke result, against `python -c pass`.

    python benchmarks/first_invoke.py           # 7 runs of each, alternating
    python benchmarks/first_invoke.py --quick

What a learner's first cell pays: start Python, import the Lab, create it, deploy a
function, invoke it and see the result. Each run starts a new interpreter (this
environment's Python) and the time is taken when the result line arrives on its
standard output; the floor, `python -c pass`, runs alternately with it. Also printed:
`python -c "from lambda_lab import Lab"` (the import's weight), the whole process until
it exits (closing the Lab included), and the Init Duration the first cold start reports.
Then where the time goes (each phase timed in its own runs, the first uses that load
something made explicit: the model of Lambda `lab.deploy` validates with, read from
botocore's file without botocore; the address of the loopback AWS endpoint every environment
is given, whose server is built when a first connection arrives; the wait for the template
process, which `from lambda_lab import Lab` starts and which boots on another CPU
meanwhile). Target (issue 22): first result <= 3 x `python -c pass`.

Two installs, each against its own floor: this venv's editable install (`pip install -e`,
whose finder runs in every Python started here, `python -c pass` included: a floor ~8 ms
higher, paid for modules the Lab imports anyway) and a wheel-like install (the package
copied and compiled into a fresh venv, the dependencies reached from this one; see
_wheel_like.py), which is what a user who installs the wheel runs. Runs alternate between
the two. The phases are timed in the wheel-like install.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from _common import NEUTRAL_DIR, PYTHON, heading, median, parser, process_seconds, ratio, row
from _wheel_like import environment, package_dir, wheel_like_venv

FIRST_CELL = """
import time
started = time.perf_counter()
from lambda_lab import Lab
lab = Lab()
lab.deploy("hello", "def lambda_handler(event, context):\\n    return {'hi': event['name']}\\n")
result = lab.invoke("hello", {"name": "learner"})
print(result.payload.decode(), result.record.init_duration_ms, flush=True)
lab.close()
"""


# The same work, each phase timed; the first use of the Lambda model, of the endpoint and of
# the template are made explicit (they otherwise happen inside deploy and the first invoke).
PHASES_CELL = """
import json, time
marks = [time.perf_counter()]
from lambda_lab import Lab
marks.append(time.perf_counter())
lab = Lab()
marks.append(time.perf_counter())
from lambda_lab.api.lambda_model import lambda_model
lambda_model()
marks.append(time.perf_counter())
lab.deploy("hello", "def lambda_handler(event, context):\\n    return {'hi': event['name']}\\n")
marks.append(time.perf_counter())
lab.aws.url
marks.append(time.perf_counter())
lab._spawner.ensure_started()
marks.append(time.perf_counter())
result = lab.invoke("hello", {"name": "learner"})
marks.append(time.perf_counter())
lab.close()
marks.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(marks, marks[1:])] + [result.record.init_duration_ms]))
"""
PHASES = (
    "import the Lab (the template process starts)",
    "Lab()",
    "the model of Lambda, from botocore's file",
    "deploy (the rest)",
    "the AWS endpoint's address (server: 1st connection)",
    "wait for the template process (still booting?)",
    "invoke (cold start)",
    "close",
)


class Install(NamedTuple):
    label: str
    python: str
    env: dict[str, str] | None  # None: this process's environment


class Runs(NamedTuple):
    floors: list[float]
    imports: list[float]
    results: list[tuple[float, float, float]]


def first_result(install: Install, cell: str = FIRST_CELL) -> tuple[float, float, float]:
    """(seconds to the result line, seconds to exit, reported Init Duration in ms)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [install.python, "-c", cell],
        stdout=subprocess.PIPE,
        text=True,
        cwd=NEUTRAL_DIR,
        env=install.env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    arrived = time.perf_counter() - started
    process.wait()
    ended = time.perf_counter() - started
    payload, _, init_ms = line.rpartition(" ")
    assert payload == '{"hi": "learner"}', line
    return arrived, ended, float(init_ms)


def one_run(install: Install, runs: Runs) -> None:
    runs.floors.append(process_seconds([install.python, "-c", "pass"], install.env))
    imports = [install.python, "-c", "from lambda_lab import Lab"]
    runs.imports.append(process_seconds(imports, install.env))
    runs.results.append(first_result(install))


def report(install: Install, runs: Runs) -> float:
    """Print one install's figures; returns its first result's ratio (median of pairs)."""
    count = len(runs.floors)
    where = "this venv, pip install -e" if install.env is None else "a fresh venv, package copied"
    heading(f"the first invoke result, {install.label} ({where}; medians of {count} runs)")
    floor = median(runs.floors) * 1000
    ratio("python -c pass (floor)", floor, floor, "ms")
    ratio('python -c "from lambda_lab import Lab"', median(runs.imports) * 1000, floor, "ms")
    paired = median([r[0] / f for r, f in zip(runs.results, runs.floors)])  # each with its floor
    ratio("python to the first invoke result", median([r[0] for r in runs.results]) * 1000,
          floor, "ms", "<= 3", paired)  # fmt: skip
    ratio("python to exit (the Lab closed)", median([r[1] for r in runs.results]) * 1000, floor,
          "ms")  # fmt: skip
    row("Init Duration of that first cold start", median([r[2] for r in runs.results]), "ms")
    return paired


def main() -> None:
    args = parser(__doc__, runs=7).parse_args()
    runs = 1 if args.quick else max(3, args.runs)
    print(f"the package measured: {package_dir()}")
    with tempfile.TemporaryDirectory(prefix="first-invoke-") as scratch:
        installs = (
            Install("editable install", PYTHON, None),
            Install("wheel-like install", wheel_like_venv(Path(scratch)), environment()),
        )
        taken = {install.label: Runs([], [], []) for install in installs}
        for install in installs:
            first_result(install)  # warms the file cache: every run below reads the same files
        for _ in range(runs):
            for install in installs:
                one_run(install, taken[install.label])
        ratios = [report(install, taken[install.label]) for install in installs]
        heading("the first result against each install's own floor (median of pairs)")
        for install, times in zip(installs, ratios):
            row(f"first invoke result, {install.label}", times, "x", "(target <= 3)")
        where_the_time_goes(installs[1], runs)


def where_the_time_goes(install: Install, runs: int) -> None:
    timings = []
    for _ in range(runs):
        done = subprocess.run(
            [install.python, "-c", PHASES_CELL],
            capture_output=True,
            text=True,
            cwd=NEUTRAL_DIR,
            env=install.env,
        )
        timings.append(json.loads(done.stdout))
    heading(f"where the time goes, inside the process, {install.label} (medians of {runs} runs)")
    for index, label in enumerate(PHASES):
        row(label, median([t[index] for t in timings]) * 1000, "ms")
    row("  (Init Duration of the cold start)", median([t[-1] for t in timings]), "ms")


if __name__ == "__main__":
    main()
