"""Load and soak: many invocations through one Lab, measuring what a leak would grow.

    python benchmarks/soak.py [--sync 10000] [--async 10000]

The long run is this script; the test suite runs the same code on a short count
(tests/test_soak.py). It counts what must not grow (open files, threads, processes, the
Lab's own memory) and checks that every asynchronous event was handled once and only once.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import psutil

COUNTING_HANDLER = """
import json, os
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("planned failure")
    if event.get("record"):
        with open(os.environ["SEEN_FILE"], "a") as handle:
            handle.write(json.dumps(event["record"]) + "\\n")
    return event.get("n")
"""


@dataclass
class Footprint:
    open_files: int
    threads: int
    processes: int
    rss_mb: float

    @classmethod
    def now(cls) -> Footprint:
        gc.collect()
        me = psutil.Process()
        return cls(
            open_files=me.num_fds(),
            threads=threading.active_count(),
            processes=len(me.children(recursive=True)),
            rss_mb=me.memory_info().rss / 2**20,
        )


@dataclass
class SoakResult:
    sync_calls: int
    sync_seconds: float
    async_events: int
    async_seconds: float
    delivered: int
    duplicates: int
    lost: int
    before: Footprint
    after: Footprint

    def growth(self) -> dict[str, float]:
        return {
            "open_files": self.after.open_files - self.before.open_files,
            "threads": self.after.threads - self.before.threads,
            "processes": self.after.processes - self.before.processes,
            "rss_mb": round(self.after.rss_mb - self.before.rss_mb, 1),
        }


def soak(sync_calls: int, async_events: int, warmup: int = 200) -> SoakResult:
    """Run ``sync_calls`` synchronous invokes (1 in 50 failing) and ``async_events`` Event invokes."""
    from lambda_lab import Lab

    with Lab() as lab:
        seen_file = os.path.join(lab.root_dir, "seen.jsonl")
        os.chmod(lab.root_dir, 0o777)  # the worker may run as 'nobody'
        lab.deploy("soak", COUNTING_HANDLER, Environment={"Variables": {"SEEN_FILE": seen_file}})
        for n in range(warmup):  # let caches, pools and lazy imports settle before measuring
            lab.invoke("soak", {"n": n})
        before = Footprint.now()
        started = time.perf_counter()
        for n in range(sync_calls):
            result = lab.invoke("soak", {"n": n, "fail": n % 50 == 0}, log_type="None")
            if n % 50 and result.value != n:
                raise AssertionError(f"invoke {n} returned {result.value!r}")
        sync_seconds = time.perf_counter() - started
        async_seconds, delivered, duplicates, lost = _async_part(lab, async_events, seen_file)
        lab.records.clear()
        lab.logs.clear()
        after = Footprint.now()
    return SoakResult(
        sync_calls, sync_seconds, async_events, async_seconds, delivered, duplicates, lost, before, after
    )


def _async_part(lab: Any, events: int, seen_file: str) -> tuple[float, int, int, int]:
    if events == 0 or not hasattr(lab, "invoke_async"):
        return 0.0, 0, 0, 0
    started = time.perf_counter()
    for n in range(events):
        lab.invoke_async("soak", json.dumps({"record": n}).encode())
    drain = getattr(lab, "wait_for_async", None)
    if drain is not None:
        drain(timeout=120)
    seconds = time.perf_counter() - started
    counts: dict[int, int] = {}
    if os.path.exists(seen_file):
        with open(seen_file) as handle:
            for line in handle:
                number = json.loads(line)
                counts[number] = counts.get(number, 0) + 1
    delivered = sum(1 for n in range(events) if n in counts)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    return seconds, delivered, duplicates, events - delivered


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Soak one Lab with sync and async invocations.")
    parser.add_argument("--sync", type=int, default=10_000)
    parser.add_argument("--async", dest="async_events", type=int, default=10_000)
    args = parser.parse_args()
    result = soak(args.sync, args.async_events)
    print(f"sync invocations   {result.sync_calls:>7}  in {result.sync_seconds:6.1f} s "
          f"({result.sync_calls / max(result.sync_seconds, 1e-9):,.0f}/s, 1 in 50 failing on purpose)")
    print(f"async events       {result.async_events:>7}  in {result.async_seconds:6.1f} s: "
          f"delivered {result.delivered}, lost {result.lost}, duplicated {result.duplicates}")
    print(f"before: {result.before}")
    print(f"after:  {result.after}")
    print(f"growth: {result.growth()}")


if __name__ == "__main__":
    main()
