"""What every benchmark here shares: runs and medians, --quick, CPU pinning, memory, output.

Each script measures one figure of issue 22 and its floor (or peer) in the same run, so
the ratio survives a noisy shared machine; ``runs`` repetitions give a median. With
``--quick`` a script does the least that still exercises every path (the test suite runs
them that way: tests/benchmarks), and its figures mean nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

PYTHON = sys.executable


def parser(doc: str | None, runs: int | None = 3) -> argparse.ArgumentParser:
    """An argument parser with --quick and --runs (at least 3 unless quick); ``runs=None``
    for a script whose sizes are its own options (it then takes no --runs)."""
    described = argparse.ArgumentParser(
        description=(doc or "").strip().splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((doc or "").strip().splitlines()[1:]),
    )
    described.add_argument("--quick", action="store_true", help="a smoke run: figures mean nothing")
    if runs is not None:
        described.add_argument(
            "--runs", type=int, default=runs, help=f"repetitions (default {runs})"
        )
    return described


def runs_of(args: argparse.Namespace) -> int:
    return 1 if args.quick else max(3, args.runs)


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(work: Callable[[], object]) -> float:
    """Seconds one call of ``work`` takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def per_call(work: Callable[[], object], calls: int) -> float:
    """Median seconds per call over ``calls`` calls (after two warm-up calls)."""
    work()
    work()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


NEUTRAL_DIR = "/"  # where fresh interpreters start: no checkout on sys.path from the cwd


def process_seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds from starting ``command`` to its exit."""
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, cwd=NEUTRAL_DIR)
    return time.perf_counter() - started


def python_pass_seconds() -> float:
    """The floor of a fresh process: ``python -c pass`` with this environment's Python."""
    return process_seconds([PYTHON, "-c", "pass"])


# -- placement ------------------------------------------------------------------------------------
def two_cpus() -> tuple[int, int] | None:
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[0], cpus[1]) if len(cpus) >= 2 else None


@contextmanager
def pinned(caller_cpu: int, *pids: int) -> Iterator[None]:
    """This process on ``caller_cpu``, ``pids`` on another CPU; everything restored after."""
    everything = os.sched_getaffinity(0)
    other = next(cpu for cpu in sorted(everything) if cpu != caller_cpu)
    before = {pid: os.sched_getaffinity(pid) for pid in pids}
    os.sched_setaffinity(0, {caller_cpu})
    for pid in pids:
        os.sched_setaffinity(pid, {other})
    try:
        yield
    finally:
        os.sched_setaffinity(0, everything)
        for pid, cpus in before.items():
            try:
                os.sched_setaffinity(pid, cpus)
            except OSError:
                pass  # it ended


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (from /proc)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def set_affinity_tree(pid: int, cpus: set[int]) -> None:
    """``pid`` and all its descendants on ``cpus`` (new forks inherit it)."""
    for process in [pid, *children_of(pid)]:
        try:
            os.sched_setaffinity(process, cpus)
        except OSError:
            pass


# -- memory ----------------------------------------------------------------------------------------
def smaps_mb(pid: int) -> tuple[float, float]:
    """(PSS, USS) of a process in MB from /proc/PID/smaps_rollup; (0, 0) if it is gone."""
    pss = private = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name == "Pss":
                    pss = int(rest.split()[0])
                elif name in ("Private_Clean", "Private_Dirty"):
                    private += int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0, 0.0
    return pss / 1024, private / 1024


# -- output ----------------------------------------------------------------------------------------
def row(label: str, value: float, unit: str, note: str = "") -> None:
    print(f"  {label:<46} {value:>10.2f} {unit:<3} {note}")


def ratio(
    label: str, value: float, floor: float, unit: str, target: str = "", times: float | None = None
) -> float:
    """Print ``value`` and its ratio to ``floor`` (or ``times``, e.g. the median of ratios
    taken pair by pair in each run); returns the ratio."""
    if times is None:
        times = value / floor if floor else float("inf")
    note = f"= {times:.2f} x floor" + (f"   (target {target})" if target else "")
    row(label, value, unit, note)
    return times


def heading(text: str) -> None:
    print(f"\n== {text} ==")


# -- the floor of a process-based runtime ------------------------------------------------------------
ECHO_WORKER = r"""
import json, socket, struct, sys
sock = socket.socket(fileno=int(sys.argv[1]))
prefix = struct.Struct("!I")
raw = sys.argv[2] == "raw"
def read(size):
    data = bytearray(size)
    view, got = memoryview(data), 0
    while got < size:
        n = sock.recv_into(view[got:])
        if not n:
            sys.exit(0)
        got += n
    return data
while True:
    head = sock.recv(4, socket.MSG_WAITALL)
    if len(head) < 4:
        break
    data = read(prefix.unpack(head)[0])
    reply = data if raw else json.dumps(json.loads(data)).encode()
    if len(reply) < 65536:
        sock.sendall(prefix.pack(len(reply)) + reply)
    else:  # no copy of a large body
        sock.sendall(prefix.pack(len(reply)))
        sock.sendall(reply)
"""


class EchoWorker:
    """A long-lived worker process answering length-prefixed messages on a socket pair:
    with the JSON of the message decoded and encoded again, or (``raw``) the bytes as they
    came. The floor any process-based runtime pays for one round trip."""

    def __init__(self, raw: bool = False) -> None:
        import socket
        import struct

        self.prefix = struct.Struct("!I")
        self.sock, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [PYTHON, "-S", "-c", ECHO_WORKER, str(theirs.fileno()), "raw" if raw else "json"],
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()

    def send(self, body: bytes) -> bytes | bytearray:
        import socket

        if len(body) < 65536:
            self.sock.sendall(self.prefix.pack(len(body)) + body)
        else:  # no copy of a large body
            self.sock.sendall(self.prefix.pack(len(body)))
            self.sock.sendall(body)
        size = self.prefix.unpack(self.sock.recv(4, socket.MSG_WAITALL))[0]
        data = bytearray(size)
        view, got = memoryview(data), 0
        while got < size:
            got += self.sock.recv_into(view[got:])
        return data

    def round_trip(self, event: object) -> object:
        import json

        return json.loads(self.send(json.dumps(event).encode()))

    def close(self) -> None:
        self.sock.close()
        self.process.wait()
