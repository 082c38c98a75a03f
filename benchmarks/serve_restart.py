"""How fast `lambda-lab serve --state` comes back after a SIGKILL, with a long journal.

    python benchmarks/serve_restart.py [--functions 50] [--changes 1900] [--quick]

A writer process creates ``--functions`` functions and then makes ``--changes`` configuration
changes, each journaled (fsynced) as the server would; it is then killed with SIGKILL before
it can fold the journal into a snapshot, so the restart replays every line. Printed: the
start of an empty server, the restart on that directory (median of 3), the journal's size,
and the time the writer needed per acknowledged change (what an fsync costs here).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import parser

BIN = Path(sys.executable).parent
WRITER = """
import os, sys, time
from lambda_lab import Lab
from lambda_lab.serve import state
state.COMPACT_LINES = 10**9  # keep every change in the journal: the restart replays them all
lab = Lab()
keeper = state.StateKeeper(lab, sys.argv[1])
keeper.load()
functions, changes = int(sys.argv[2]), int(sys.argv[3])
for n in range(functions):
    lab.deploy(f"fn-{n}", f"def lambda_handler(e, c):\\n    return {n}\\n")
    keeper.save()
started = time.perf_counter()
for n in range(changes):
    name = f"fn-{n % functions}"
    lab.service.update_function_configuration(name, {"Description": f"change {n}"})
    lab.service.lifecycle.settle(name)  # the update completes, as `aws lambda wait` sees it
    keeper.save()
print((time.perf_counter() - started) / max(changes, 1), flush=True)
os.kill(os.getpid(), 9)
"""


def _start_seconds(state: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "lambda-lab"), "serve", "--port", "0", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("(ready in"):
            seconds = time.perf_counter() - started
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=60)
            return seconds
    raise SystemExit("lambda-lab serve did not start:\n" + "".join(process.stdout))


def main() -> None:
    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--functions", type=int, default=50)
    arguments.add_argument("--changes", type=int, default=1900)
    args = arguments.parse_args()
    if args.quick:
        args.functions, args.changes = 3, 20
    with tempfile.TemporaryDirectory(prefix="serve-restart-") as tmp:
        env = {**os.environ, "LAMBDA_LAB_RUN_DIR": tmp}
        empty = statistics.median(_start_seconds(Path(tmp) / f"empty-{n}", env) for n in range(3))
        state = Path(tmp) / "state"
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, str(state), str(args.functions), str(args.changes)],
            capture_output=True, text=True, env=env, timeout=1800,
        )  # fmt: skip
        if writer.returncode != -signal.SIGKILL or not writer.stdout.strip():
            raise SystemExit(
                f"the writer failed (exit {writer.returncode}):\n{writer.stderr[-3000:]}"
            )
        per_change = float(writer.stdout.split()[0])
        journal = (state / "journal.jsonl").stat().st_size
        lines = len((state / "journal.jsonl").read_bytes().splitlines())
        restart = statistics.median(_start_seconds(state, env) for _ in range(3))
    print(f"machine  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"an acknowledged change (journaled, fsynced): {per_change * 1e3:.2f} ms")
    print(f"start    empty {empty:.2f} s; after SIGKILL with {args.functions} functions and a "
          f"journal of {lines:,} lines ({journal / 2**20:.1f} MB): {restart:.2f} s "
          f"({restart / empty:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
