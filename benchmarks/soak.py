"""Load and soak: many invocations through one Lab, measuring what a leak would grow.

    python benchmarks/soak.py [--sync 10000] [--async 10000]

The long run is this script; the test suite runs the same code on a short count
(tests/test_soak.py). After a warm-up of both paths (so that the worker pool, the
dispatcher's threads and the loopback endpoint are at their working size), it counts what
must not grow: the Lab process's open files, threads, child processes and memory.

Asynchronous events go through ``lab.invoke_async`` (InvocationType=Event) with
MaximumRetryAttempts set to 0, and 1 in 50 of them fail on purpose. AWS delivers an event
at least once and retries a failure at most MaximumRetryAttempts times, so each event must
reach the handler exactly once here: never seen is *lost*, seen twice is *duplicated*.
The handler appends what it saw to a file, so the count comes from the workers, not from
the queue's own bookkeeping; the queue's journal is cross-checked against it.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any

import psutil

# Each delivery is told to a counter on loopback: a handler's file system is its own sandbox.
COUNTING_HANDLER = """
import json, os, socket
def lambda_handler(event, context):
    if "record" in event:
        with socket.create_connection(("127.0.0.1", int(os.environ["SEEN_PORT"]))) as tell:
            tell.sendall(json.dumps(event["record"]).encode() + b"\\n")
    if event.get("fail"):
        raise ValueError("planned failure")
    return event.get("n")
"""
FAIL_EVERY = 50
DRAIN_TIMEOUT_S = 300.0


@dataclass
class Footprint:
    open_files: int
    threads: int
    processes: int
    rss_mb: float
    children_rss_mb: float

    @classmethod
    def now(cls) -> Footprint:
        gc.collect()
        me = psutil.Process()
        children = [p for p in me.children(recursive=True) if _alive(p)]
        return cls(
            open_files=me.num_fds(),
            threads=threading.active_count(),
            processes=len(children),
            rss_mb=round(me.memory_info().rss / 2**20, 1),
            children_rss_mb=round(sum(_rss(p) for p in children) / 2**20, 1),
        )


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:  # it ended between the listing and now
        return 0


@dataclass
class AsyncCount:
    events: int = 0
    seconds: float = 0.0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    failed_on_purpose: int = 0
    journal_disagrees: list[str] = field(default_factory=list)


@dataclass
class SoakResult:
    sync_calls: int
    sync_seconds: float
    async_count: AsyncCount
    before: Footprint
    middle: Footprint  # after the sync part, before the async part
    after: Footprint
    kept: dict[str, int]  # what the Lab keeps on purpose (journals a notebook can read)
    live_growth: list[str] = field(
        default_factory=list
    )  # with --trace-memory: where live memory grew

    def growth(self) -> dict[str, float]:
        return {
            "open_files": self.after.open_files - self.before.open_files,
            "threads": self.after.threads - self.before.threads,
            "processes": self.after.processes - self.before.processes,
            "rss_mb": round(self.after.rss_mb - self.before.rss_mb, 1),
        }


def soak(
    sync_calls: int, async_events: int, warmup: int = 200, trace_memory: bool = False
) -> SoakResult:
    """``sync_calls`` synchronous invokes and ``async_events`` Event invokes (1 in 50 failing).

    ``trace_memory`` follows the Lab's live Python allocations (tracemalloc, much slower) to
    tell memory still held from memory the allocator merely kept.
    """
    from lambda_lab import Lab

    with Lab() as lab, _Counter() as counter:
        lab.deploy(
            "soak", COUNTING_HANDLER, Environment={"Variables": {"SEEN_PORT": str(counter.port)}}
        )
        lab.client("lambda").put_function_event_invoke_config(
            FunctionName="soak", MaximumRetryAttempts=0
        )
        for n in range(warmup):  # pools, threads, caches and lazy imports at their working size
            lab.invoke("soak", {"n": n})
        _send_async(lab, [{"warm": n} for n in range(warmup)])
        _drain(lab)
        lab.records.clear()
        lab.logs.clear()
        before = Footprint.now()
        live = _LiveMemory() if trace_memory else None
        started = time.perf_counter()
        for n in range(sync_calls):
            result = lab.invoke("soak", {"n": n, "fail": n % FAIL_EVERY == 0}, log_type="None")
            if n % FAIL_EVERY and result.value != n:
                raise AssertionError(f"invoke {n} returned {result.value!r}")
        sync_seconds = time.perf_counter() - started
        middle = Footprint.now()
        counted = _async_part(lab, async_events, counter)
        kept = {
            "invocation records": len(lab.records),
            "log events": sum(len(lab.logs.events(g)) for g in lab.logs.groups()),
            "async events in the journal": len(lab.async_queue.events()),
        }
        if live is not None:
            live.note("with records and logs kept")
        lab.records.clear()  # journals kept on purpose; clearing them shows what else grew
        lab.logs.clear()
        after = Footprint.now()
        live_growth = live.stop("once they are cleared") if live is not None else []
    return SoakResult(sync_calls, sync_seconds, counted, before, middle, after, kept, live_growth)


class _LiveMemory:
    """Live Python allocations since it was made: memory still held, unlike RSS, which also
    counts what the allocator kept after a peak."""

    def __init__(self) -> None:
        tracemalloc.start()
        self._start = tracemalloc.take_snapshot()
        self.notes: list[str] = []

    def _changes(self) -> list[tracemalloc.StatisticDiff]:
        return tracemalloc.take_snapshot().compare_to(self._start, "filename")

    def note(self, label: str) -> None:
        total = sum(change.size_diff for change in self._changes())
        self.notes.append(f"{total / 2**20:+.1f} MB {label}")

    def stop(self, label: str, top: int = 3) -> list[str]:
        """A last note, the files where most of it was allocated, and tracing off."""
        self.note(label)
        changes = self._changes()
        tracemalloc.stop()
        return self.notes + [
            f"{c.traceback[0].filename}: {c.size_diff / 2**20:+.1f} MB" for c in changes[:top]
        ]


def _send_async(lab: Any, events: list[dict[str, Any]]) -> list[str]:
    return [lab.invoke_async("soak", event)["RequestId"] for event in events]


def _drain(lab: Any, timeout: float = DRAIN_TIMEOUT_S) -> None:
    """Wait until every queued event has ended (succeeded or failed for good)."""
    deadline = time.monotonic() + timeout
    while lab.async_queue.in_flight():
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{lab.async_queue.in_flight()} async events still in flight after {timeout} s"
            )
        time.sleep(0.05)


class _Counter:
    """A loopback TCP listener that keeps every number handlers send it, one line each."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.port = self._listener.getsockname()[1]
        self.numbers: list[int] = []
        self._thread = threading.Thread(target=self._serve, name="soak-counter", daemon=True)

    def __enter__(self) -> _Counter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed
            with connection:
                data = b""
                while chunk := connection.recv(4096):
                    data += chunk
            self.numbers += [json.loads(line) for line in data.splitlines() if line]

    def settle(self, quiet_s: float = 0.3) -> None:
        """Wait until no number has arrived for ``quiet_s`` (the last ones may be in flight)."""
        last = -1
        while last != len(self.numbers):
            last = len(self.numbers)
            time.sleep(quiet_s)


def _async_part(lab: Any, events: int, counter: _Counter) -> AsyncCount:
    count = AsyncCount(events=events)
    if events == 0:
        return count
    planned = [{"record": n, "fail": n % FAIL_EVERY == 0} for n in range(events)]
    started = time.perf_counter()
    request_ids = _send_async(lab, planned)
    _drain(lab)
    count.seconds = time.perf_counter() - started
    counter.settle()
    seen: dict[int, int] = {}
    for number in counter.numbers:
        seen[number] = seen.get(number, 0) + 1
    count.delivered = sum(1 for n in range(events) if n in seen)
    count.lost = events - count.delivered
    count.duplicated = sum(seen.get(n, 0) - 1 for n in range(events) if seen.get(n, 0) > 1)
    count.failed_on_purpose = sum(1 for event in planned if event["fail"])
    for n, request_id in enumerate(request_ids):  # the queue's own account must agree
        journey = lab.async_queue.journey(request_id)
        expected = "RetriesExhausted" if planned[n]["fail"] else "Success"
        if journey.condition != expected or journey.attempts != 1:
            count.journal_disagrees.append(
                f"event {n}: {journey.condition} after {journey.attempts} attempt(s)"
            )
    return count


def main() -> None:
    from _common import parser  # (here: tests import this file as a module)

    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--sync", type=int, default=10_000)
    arguments.add_argument("--async", dest="async_events", type=int, default=10_000)
    arguments.add_argument(
        "--trace-memory", action="store_true", help="also follow live Python allocations (slow)"
    )
    args = arguments.parse_args()
    if args.quick:
        args.sync, args.async_events = 300, 100
    result = soak(args.sync, args.async_events, trace_memory=args.trace_memory)
    counted = result.async_count
    print(f"machine            {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(
        f"sync invocations   {result.sync_calls:>7}  in {result.sync_seconds:6.1f} s "
        f"({result.sync_calls / max(result.sync_seconds, 1e-9):,.0f}/s, 1 in {FAIL_EVERY} failing on purpose)"
    )
    print(
        f"async events       {counted.events:>7}  in {counted.seconds:6.1f} s "
        f"({counted.events / max(counted.seconds, 1e-9):,.0f}/s, {counted.failed_on_purpose} failing on purpose, "
        f"MaximumRetryAttempts 0)"
    )
    print(
        f"  delivered {counted.delivered}, lost {counted.lost}, duplicated {counted.duplicated}; "
        f"queue journal disagreements: {len(counted.journal_disagrees)}"
    )
    print(f"before:  {result.before}")
    print(f"middle:  {result.middle}  (after the sync part)")
    print(f"after:   {result.after}")
    print(f"growth:  {result.growth()}")
    print(f"kept on purpose before clearing records and logs: {result.kept}")
    if result.live_growth:
        print("live Python allocations: " + "; ".join(result.live_growth))


if __name__ == "__main__":
    main()
