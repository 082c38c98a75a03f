"""State on disk survives a kill at any moment: quiz progress and ``lambda-lab serve --state``.

A subprocess writes in a loop and prints the number of each write once it is complete; it
is killed with SIGKILL after a random pause, again and again, each time restarting from
what it left. After every kill the file must parse and hold one whole version: the last
one printed, or the one that was being written (its rename may have happened just before
the kill), never a mix and never an older one.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from lambda_lab.quiz.progress import read_progress_file
from lambda_lab.serve.state import read_state

PROGRESS_WRITER = """
import sys
from pathlib import Path
from lambda_lab.quiz.progress import ProgressStore

store = ProgressStore(Path(sys.argv[1]))
for notice in store.notices:
    print("NOTICE", notice, file=sys.stderr, flush=True)
n = store.questions.get("counter", {}).get("attempts", 0)
while True:
    n += 1
    for i in range(200):  # a file of some size, so that a kill can land inside a write
        store.record(f"q{i:03d}", correct=True)
    store.record("counter", correct=False)
    store.save()
    print(n, flush=True)
"""

STATE_WRITER = """
import sys
from lambda_lab import Lab
from lambda_lab.serve.state import StateKeeper

lab = Lab()
keeper = StateKeeper(lab, sys.argv[1])
keeper.load()
n = int(lab.functions.get("fn").description[1:]) if "fn" in lab.functions else 0
while True:
    n += 1
    variables = {f"KEY_{i}": str(n) for i in range(40)}
    lab.deploy("fn", f"def lambda_handler(e, c):\\n    return {n}\\n", Description=f"v{n}",
               Environment={"Variables": variables})
    keeper.save()
    print(n, flush=True)
"""


def _first_number(child: subprocess.Popen[bytes], timeout: float = 60.0) -> int:
    """Wait (with a deadline) until the writer has finished its first write."""
    assert child.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([child.stdout], [], [], 0.5)
        if ready:
            line = child.stdout.readline()
            assert line, f"the writer ended: {child.stderr.read().decode() if child.stderr else ''}"
            return int(line)
    child.kill()
    raise AssertionError("the writer wrote nothing in time")


def _kill_while_writing(
    argv: list[str], env: dict[str, str], kills: int, version_on_disk: Callable[[], int]
) -> list[int]:
    """Kill the writer ``kills`` times; returns how many writes each run completed."""
    rng = random.Random(2024)
    on_disk = 0
    completed = []
    for _ in range(kills):
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        first = _first_number(child)
        assert first == on_disk + 1, "the writer did not continue from what was on disk"
        time.sleep(rng.uniform(0.0, 0.08))
        descendants = psutil.Process(child.pid).children(recursive=True)
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        printed = [first] + [int(line) for line in out.split()]
        assert b"Traceback" not in err and b"NOTICE" not in err, err.decode()[-2000:]
        found = version_on_disk()
        assert printed[-1] <= found <= printed[-1] + 1, (printed[-1], found)
        on_disk = found
        completed.append(len(printed))
        psutil.wait_procs(descendants, timeout=10)
        assert not [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    return completed


def test_progress_survives_a_kill_at_any_moment(tmp_path: Path) -> None:
    path = tmp_path / "quiz" / "learner.json"

    def version_on_disk() -> int:
        data = read_progress_file(path)  # raises if the file is not whole
        counter = data["questions"]["counter"]["attempts"]
        assert {r["attempts"] for k, r in data["questions"].items() if k != "counter"} == {counter}
        return int(counter)

    completed = _kill_while_writing(
        [sys.executable, "-c", PROGRESS_WRITER, str(path)], dict(os.environ), 12, version_on_disk
    )
    assert sum(completed) > 12  # the kills landed while writing, not before the first write


def test_serve_state_survives_a_kill_at_any_moment(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    env = dict(
        os.environ, LAMBDA_LAB_RUN_DIR=str(tmp_path)
    )  # the killed Labs' folders stay in here

    def version_on_disk() -> int:
        state = read_state(str(state_dir))  # the snapshot and the journal; raises if damaged
        (function,) = state["functions"]
        version = int(function["description"][1:])
        assert set(function["environment"].values()) == {str(version)}
        import base64

        code = state_dir / "code" / (base64.b64decode(function["code_sha256"]).hex() + ".zip")
        assert code.is_file(), "state.json names a code package that is not there"
        return version

    completed = _kill_while_writing(
        [sys.executable, "-c", STATE_WRITER, str(state_dir)], env, 6, version_on_disk
    )
    assert sum(completed) > 6
