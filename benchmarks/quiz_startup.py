"""How fast the terminal quiz starts, and how fast the linter reads a big bank.

    python benchmarks/quiz_startup.py [--runs N] [--quick]

1. Time from launching `lambda-lab quiz` in a pseudo-terminal to its first question on
   screen, against a bare `python -c pass` run alternately with it (budget: 0.5 s;
   issue 22's target: <= 4 x `python -c pass`).
2. Time to lint a generated bank of 1,000 questions, in process and as
   `lambda-lab quiz lint DIR` (budget: 1 s).

Medians of several runs; the machine is shared, so read the ratios more than the numbers.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP_BUDGET_S = 0.5
LINT_BUDGET_S = 1.0
FIRST_QUESTION = b"Question 1/"


def time_python_pass() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def time_to_first_question(command: list[str], env: dict[str, str]) -> float:
    """Launch the quiz on a pseudo-terminal, wait for the first question, then press q."""
    master, slave = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
    )
    os.close(slave)
    seen = b""
    try:
        while FIRST_QUESTION not in seen:
            ready, _, _ = select.select([master], [], [], 10)
            if not ready:
                raise RuntimeError(f"no question after 10 s; the screen showed: {seen[-300:]!r}")
            seen += os.read(master, 65536)
        elapsed = time.perf_counter() - start
        os.write(master, b"q")
        drain_until_exit(master, process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return elapsed


def drain_until_exit(master: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        if select.select([master], [], [], 0.1)[0]:
            try:
                os.read(master, 65536)
            except OSError:  # the terminal closed with the process
                break
    process.wait(timeout=10)


def write_big_bank(folder: Path, total: int = 1000, files: int = 10) -> None:
    """`files` banks of realistic questions (all five kinds), `total` questions in all."""
    kinds = [_single, _multiple, _numeric, _true_false, _ordering]
    per_file = total // files
    for f in range(files):
        lines = [f"topic: bench_{f}", f"title: Benchmark bank {f}", "questions:"]
        for n in range(per_file):
            lines.extend(kinds[n % len(kinds)](f"bench-{f}-{n}"))
        (folder / f"bench_{f}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _common(qid: str, kind: str) -> list[str]:
    return [
        f"  - id: {qid}",
        f"    type: {kind}",
        "    domains: {SAA-C03: resilient, DVA-C02: development}",
        "    difficulty: 2",
        "    prompt: |",
        "      A function is invoked asynchronously by an S3 notification and fails every time.",
        "      What does Lambda do with the event, and how can the team keep the failures?",
        "    hints:",
        "      - Think about the retry policy of asynchronous invocations.",
        "    explanation: |",
        "      Lambda retries twice, then sends the event to the dead-letter queue or the",
        "      on-failure destination when one is configured.",
        "    references:",
        "      - https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html",
        "    lesson: 04_invocation_models#retries",
    ]


def _choices(correct: int) -> list[str]:
    lines = ["    choices:"]
    for i in range(4):
        lines.append(f"      - text: Choice number {i} with some words in it")
        lines.append(
            "        correct: true" if i < correct else "        feedback: Not this one, because."
        )
    return lines


def _single(qid: str) -> list[str]:
    return _common(qid, "single") + _choices(1)


def _multiple(qid: str) -> list[str]:
    return _common(qid, "multiple") + ["    select: 2"] + _choices(2)


def _numeric(qid: str) -> list[str]:
    return _common(qid, "numeric") + [
        "    answer: 2",
        "    unit: retries",
        "    check: {limit: ASYNC_RETRIES_DEFAULT}",
    ]


def _true_false(qid: str) -> list[str]:
    return _common(qid, "true_false") + [
        "    answer: true",
        '    check: {limit: "TIMEOUT_MAX_S == 900"}',
    ]


def _ordering(qid: str) -> list[str]:
    return _common(qid, "ordering") + [
        "    items: [first step, second step, third step, fourth step]"
    ]


def time_lint_in_process(folder: Path) -> tuple[float, int, int]:
    from lambda_lab.quiz.lint import lint

    start = time.perf_counter()
    result = lint([folder])
    return time.perf_counter() - start, len(result.questions), len(result.problems)


def time_lint_command(command: list[str], folder: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([*command, "lint", str(folder)], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    # The generated questions are alike on purpose, so the style checks report near-duplicates
    # (exit 1): what is timed is reading and checking them all, which a crash would cut short.
    if done.returncode not in (0, 1) or "Traceback" in done.stderr:
        raise RuntimeError(f"lint failed:\n{done.stdout[-2000:]}{done.stderr}")
    return elapsed


def verdict(seconds: float, budget: float) -> str:
    return "within budget" if seconds <= budget else "OVER BUDGET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a smoke run: figures mean nothing")
    args = parser.parse_args()
    runs = 1 if args.quick else max(3, args.runs)
    script = shutil.which("lambda-lab", path=str(Path(sys.executable).parent))
    quiz = [script, "quiz"] if script else [sys.executable, "-m", "lambda_lab.cli.app", "quiz"]
    with tempfile.TemporaryDirectory(prefix="quiz-bench-") as scratch:
        env = {
            **os.environ,
            "LAMBDA_LAB_HOME": str(Path(scratch) / "home"),
            "TERM": "xterm-256color",
        }
        time_to_first_question([*quiz, "--new"], env)  # warm the OS file cache once
        floors, startups = [], []
        for _ in range(runs):  # alternately, so both see the same machine
            floors.append(time_python_pass())
            startups.append(time_to_first_question([*quiz, "--new"], env))
        baseline, startup = statistics.median(floors), statistics.median(startups)
        print(f"\n== lambda-lab quiz to its first question (medians of {runs} runs) ==")
        print(f"  python -c pass (floor)             {baseline * 1000:7.1f} ms  = 1.00 x floor")
        print(
            f"  lambda-lab quiz -> first question  {startup * 1000:7.1f} ms  "
            f"= {startup / baseline:.2f} x floor   (target <= 4; budget "
            f"{STARTUP_BUDGET_S * 1000:.0f} ms: {verdict(startup, STARTUP_BUDGET_S)})"
        )
        folder = Path(scratch) / "banks"
        folder.mkdir()
        write_big_bank(folder, total=100 if args.quick else 1000)
        time_lint_in_process(folder)  # imports and caches once, as a long-lived process has them
        timings = [time_lint_in_process(folder) for _ in range(runs)]
        in_process = statistics.median(t for t, _, _ in timings)
        _, questions, problems = timings[0]
        command = statistics.median(time_lint_command(quiz, folder, env) for _ in range(runs))
        found = f"{questions} questions, {problems} problems"
        print(f"\n== linting a generated bank of {questions:,} questions ==")
        print(f"  lint in process                    {in_process * 1000:7.1f} ms  ({found})")
        print(
            f"  lambda-lab quiz lint               {command * 1000:7.1f} ms  "
            f"= {command / baseline:.2f} x python -c pass (budget {LINT_BUDGET_S * 1000:.0f} ms: "
            f"{verdict(command, LINT_BUDGET_S)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
