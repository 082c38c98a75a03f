"""How fast the Lab's execution environments are, as ratios against floors measured in this run.

    python benchmarks/invoke.py [--seconds 2] [--quick]

Prints:
  - warm invoke overhead vs a raw round trip (JSON both ways) to a long-lived worker process
    over a Unix socket pair: the floor any process-based runtime pays;
  - cold start (new environment + init + first response) vs starting a bare `python -S -c pass`:
    cold starts back to back, and a second figure with 50 ms of idle time before each one;
  - warm invokes per second from one thread;
  - resident memory of an idle environment (total RSS and private).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time

from _common import parser

ECHO_WORKER = r"""
import json, os, socket, struct, sys
sock = socket.socket(fileno=int(sys.argv[1]))
prefix = struct.Struct("!I")
while True:
    head = sock.recv(4)
    if not head:
        break
    size = prefix.unpack(head)[0]
    data = b""
    while len(data) < size:
        data += sock.recv(size - len(data))
    reply = json.dumps(json.loads(data)).encode()
    sock.sendall(prefix.pack(len(reply)) + reply)
"""

EVENT = {"key1": "value1", "key2": "value2", "key3": "value3", "n": 42, "flag": True}
HANDLER = "def lambda_handler(event, context):\n    return event\n"
SPACED_GAP_S = 0.05  # idle time before each cold start of the second cold-start figure


class EchoWorker:
    """A long-lived worker process that answers a length-prefixed JSON message with JSON."""

    def __init__(self) -> None:
        import struct

        self.prefix = struct.Struct("!I")
        self.sock, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-S", "-c", ECHO_WORKER, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()

    def round_trip(self, event: dict) -> object:
        body = json.dumps(event).encode()
        self.sock.sendall(self.prefix.pack(len(body)) + body)
        size = self.prefix.unpack(self.sock.recv(4))[0]
        data = b""
        while len(data) < size:
            data += self.sock.recv(size - len(data))
        return json.loads(data)

    def close(self) -> None:
        self.sock.close()
        self.process.wait()


def bare_python_ms(runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def lab_figures(seconds: float, cold_starts: int = 15) -> dict[str, float]:
    """Lab invokes interleaved with raw round trips, so both see the same machine noise."""
    from lambda_lab import Lab

    echo = EchoWorker()
    with Lab() as lab:
        lab.deploy("bench", HANDLER)
        lab.invoke("bench", EVENT)  # starts the template process once
        colds = []
        for _ in range(cold_starts):
            lab.pool.retire("bench")
            started = time.perf_counter()
            result = lab.invoke("bench", EVENT, log_type="None")
            colds.append(time.perf_counter() - started)
            assert result.record is not None and result.record.cold
        # A second figure, not a replacement: the loop above starts each cold start as the
        # previous one ends, while the Lab rebuilds the spare that one used (several ms of CPU
        # on a 2-core machine). Here the rebuilding is over before each cold start, as it is
        # for a learner, whose cold starts are seconds apart.
        spaced = []
        for _ in range(cold_starts):
            lab.pool.retire("bench")
            time.sleep(SPACED_GAP_S)
            started = time.perf_counter()
            result = lab.invoke("bench", EVENT, log_type="None")
            spaced.append(time.perf_counter() - started)
            assert result.record is not None and result.record.cold
        count = 0
        loop_started = time.perf_counter()
        while time.perf_counter() < loop_started + seconds / 2:
            lab.invoke("bench", EVENT, log_type="None")
            count += 1
        per_second = count / (time.perf_counter() - loop_started)
        # Same placement for floor and Lab: caller on one CPU, workers on another. Waking a
        # process on the other CPU is most of a round trip's cost, so unpinned runs swing
        # between about 20 and 80 us depending on where the scheduler puts each process.
        all_cpus = os.sched_getaffinity(0)
        pinned = _pin(lab._spawner.pid, echo.process.pid)
        lab.pool.retire("bench")  # a new environment, forked from the pinned template
        lab.invoke("bench", EVENT)
        warm, raw = [], []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            echo.round_trip(EVENT)
            middle = time.perf_counter()
            lab.invoke("bench", EVENT, log_type="None")
            raw.append(middle - started)
            warm.append(time.perf_counter() - middle)
        os.sched_setaffinity(0, all_cpus)
        env = lab.environments("bench")[0]
        rss_kb, private_kb = _memory_kb(env.pid)
    echo.close()
    return {
        "raw_us": statistics.median(raw[10:]) * 1e6,
        "cold_ms": statistics.median(colds) * 1000,
        "spaced_cold_ms": statistics.median(spaced) * 1000,
        "warm_us": statistics.median(warm[10:]) * 1e6,
        "per_second": per_second,
        "idle_rss_mb": rss_kb / 1024,
        "idle_private_mb": private_kb / 1024,
        "pinned": pinned,
    }


def _pin(template_pid: int | None, echo_pid: int) -> bool:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or template_pid is None:
        return False
    os.sched_setaffinity(0, {cpus[0]})
    os.sched_setaffinity(template_pid, {cpus[1]})  # environments forked from now on inherit it
    os.sched_setaffinity(echo_pid, {cpus[1]})
    return True


def _memory_kb(pid: int) -> tuple[int, int]:
    rss = private = 0
    with open(f"/proc/{pid}/smaps_rollup") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            if name == "Rss":
                rss = int(rest.split()[0])
            elif name in ("Private_Clean", "Private_Dirty"):
                private += int(rest.split()[0])
    return rss, private


def main() -> None:
    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--seconds", type=float, default=2.0, help="time per warm measurement")
    args = arguments.parse_args()
    if args.quick:
        args.seconds = 0.2
    bare = bare_python_ms(3 if args.quick else 15)
    lab = lab_figures(args.seconds, 3 if args.quick else 15)
    raw = lab["raw_us"]
    placement = "caller and worker pinned to two different CPUs" if lab["pinned"] else "unpinned"
    print(f"warm overhead, {placement}:")
    print(f"  raw JSON round trip to a worker process  {raw:8.1f} us   (floor)")
    print(
        f"  Lab warm invoke                          {lab['warm_us']:8.1f} us   = {lab['warm_us'] / raw:.2f} x floor"
    )
    print("cold start, unpinned:")
    print(f"  bare `python -S -c pass`                 {bare:8.2f} ms  (floor)")
    print(
        f"  Lab cold start to first response         {lab['cold_ms']:8.2f} ms  = {lab['cold_ms'] / bare:.2f} x bare python"
    )
    spaced = lab["spaced_cold_ms"]
    print(
        f"  the same, {SPACED_GAP_S * 1000:.0f} ms apart (spares rebuilt)  {spaced:8.2f} ms  = {spaced / bare:.2f} x bare python"
    )
    print(f"warm invokes per second, one thread, unpinned  {lab['per_second']:8.0f}")
    print(
        f"idle environment resident memory              {lab['idle_rss_mb']:8.1f} MB  ({lab['idle_private_mb']:.1f} MB private)"
    )


if __name__ == "__main__":
    main()
