"""Memory stays flat: 100,000 mixed invocations through one Lab, after its caps are full.

    python benchmarks/soak_mixed.py [--invocations 100000]

A Lab keeps the newest 10,000 invocation records, the log lines of the newest 10,000
invocations and the journeys of the newest 10,000 async events; older ones are dropped
(and counted). So the warm-up runs each path until its cap is full (10,500 synchronous
invokes and 10,500 async events), then the measured part runs the mix: 55 % ``lab.invoke``,
20 % ``lab.invoke_async``, 15 % the in-process boto3 client, 10 % an ALB door over HTTP
(keep-alive); 1 in 50 fail on purpose. Printed: the Lab process's RSS after the warm-up and
every 10 % of the way, its growth, the time per 10,000, and whether ``lab.bill()`` still
counts every invocation (it adds up usage as records arrive, dropped ones included) and says
how many records were dropped. ``tests/monitoring/test_bounded_memory.py`` runs the same code
with small caps.
"""

from __future__ import annotations

import gc
import http.client
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

HANDLER = """
def lambda_handler(event, context):
    if "httpMethod" in event:
        return {"statusCode": 200, "body": "ok"}
    print("working on", event.get("n"))
    if event.get("fail"):
        raise ValueError("planned failure")
    return event.get("n")
"""
FAIL_EVERY = 50
MIX = (("sync", 55), ("async", 20), ("client", 15), ("door", 10))


@dataclass
class MixedSoak:
    invocations: int
    warmup: int
    rss_mb: list[tuple[int, float]] = field(default_factory=list)  # (invocations done, MB)
    seconds_per_slice: list[float] = field(default_factory=list)
    billed_requests: int = 0
    expected_requests: int = 0
    records_kept: int = 0
    records_dropped: int = 0
    log_invocations_kept: int = 0
    journeys_kept: int = 0
    bill_notes: tuple[str, ...] = ()
    tail_ms: float = 0.0
    bill_ms: float = 0.0

    @property
    def growth_mb(self) -> float:
        return round(self.rss_mb[-1][1] - self.rss_mb[0][1], 1)

    @property
    def peak_growth_mb(self) -> float:
        return round(max(mb for _, mb in self.rss_mb) - self.rss_mb[0][1], 1)


def _rss_mb() -> float:
    gc.collect()
    return round(psutil.Process().memory_info().rss / 2**20, 1)


def _plan(count: int) -> list[str]:
    """Which path each invocation takes, evenly spread."""
    weights = [(name, share) for name, share in MIX]
    return [
        next(n for n, _ in weights if (i * 7919) % 100 < _edge(weights, n)) for i in range(count)
    ]


def _edge(weights: list[tuple[str, int]], name: str) -> int:
    total = 0
    for candidate, share in weights:
        total += share
        if candidate == name:
            return total
    return total


def _drain(lab: Any, most: int = 200) -> None:
    deadline = time.monotonic() + 300
    while lab.async_queue.in_flight() > most:
        if time.monotonic() > deadline:
            raise TimeoutError("async events did not drain in 5 minutes")
        time.sleep(0.01)


def mixed_soak(
    invocations: int = 100_000,
    *,
    keep: int | None = None,
    slices: int = 10,
) -> MixedSoak:
    """Warm up until the caps are full, then ``invocations`` mixed ones. ``keep`` lowers
    every cap (records, log invocations, journeys) for a short run."""
    from lambda_lab import Lab
    from lambda_lab.invocation.asynchronous import queue as async_queue

    journal_max = async_queue.JOURNAL_MAX
    try:
        with Lab() as lab:
            if keep is not None:
                lab.records.max_records = keep
                lab.logs.max_invocations = keep
                async_queue.JOURNAL_MAX = keep  # a module setting (one for every Lab) today
            cap = max(lab.records.max_records, lab.logs.max_invocations, async_queue.JOURNAL_MAX)
            return _soak(lab, invocations, cap, slices)
    finally:
        async_queue.JOURNAL_MAX = journal_max


def _soak(lab: Any, invocations: int, cap: int, slices: int) -> MixedSoak:
    lab.deploy("soak", HANDLER)
    client = lab.client("lambda")
    client.put_function_event_invoke_config(FunctionName="soak", MaximumRetryAttempts=0)
    door = lab.alb("soak-alb", "soak")
    connection = http.client.HTTPConnection("127.0.0.1", door.port, timeout=30)

    def run(path: str, n: int) -> None:
        event = {"n": n, "fail": n % FAIL_EVERY == 0}
        if path == "sync":
            lab.invoke("soak", event, log_type="None")
        elif path == "async":
            lab.invoke_async("soak", event)
        elif path == "client":
            client.invoke(FunctionName="soak", Payload=json.dumps(event).encode())
        else:
            connection.request("POST", "/", body=json.dumps(event))
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise AssertionError(f"the door answered {answer.status}")

    warmup = cap + cap // 5  # the journeys are pruned at 110 % of their cap
    for n in range(warmup):
        run("sync", n)
        run("async", n)
        if n % 500 == 0:
            _drain(lab)
    _drain(lab, 0)
    result = MixedSoak(invocations, 2 * warmup)
    result.rss_mb.append((0, _rss_mb()))
    plan = _plan(invocations)
    step = max(1, invocations // slices)
    started = time.perf_counter()
    for n, path in enumerate(plan, start=1):
        run(path, n)
        if n % 500 == 0:
            _drain(lab)
        if n % step == 0 or n == invocations:
            _drain(lab, 0)
            result.seconds_per_slice.append(time.perf_counter() - started)
            result.rss_mb.append((n, _rss_mb()))
            started = time.perf_counter()
    connection.close()
    timer = time.perf_counter()
    bill = lab.bill()
    result.bill_ms = (time.perf_counter() - timer) * 1000
    timer = time.perf_counter()
    lab.logs.tail("soak", 50)
    result.tail_ms = (time.perf_counter() - timer) * 1000
    result.billed_requests = int(
        sum(line.quantity for line in bill.lines if line.unit == "requests")
    )
    result.expected_requests = result.warmup + invocations
    result.records_kept = len(lab.records)
    result.records_dropped = lab.records.dropped
    result.log_invocations_kept = len(lab.logs)
    result.journeys_kept = len(lab.async_queue.events())
    result.bill_notes = bill.notes
    return result


def main() -> None:
    from _common import parser  # (here: tests import this file as a module)

    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--invocations", type=int, default=100_000)
    args = arguments.parse_args()
    if args.quick:
        args.invocations = min(args.invocations, 2_000)
    print(f"machine   {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    result = mixed_soak(args.invocations)
    print(f"warm-up   {result.warmup:,} invocations (until every cap is full)")
    print("RSS       " + ", ".join(f"{n:,}: {mb} MB" for n, mb in result.rss_mb))
    print(f"growth    {result.growth_mb:+.1f} MB after {args.invocations:,} mixed invocations "
          f"(peak {result.peak_growth_mb:+.1f} MB; target < 10 MB)")  # fmt: skip
    per = [
        s / (args.invocations / len(result.seconds_per_slice)) * 10_000
        for s in result.seconds_per_slice
    ]
    print(f"time      {per[0]:.1f} s per 10,000 first, {per[-1]:.1f} s last "
          f"(last/first {per[-1] / per[0]:.2f}x)")  # fmt: skip
    print(f"kept      {result.records_kept:,} records ({result.records_dropped:,} dropped), "
          f"logs of {result.log_invocations_kept:,} invocations, {result.journeys_kept:,} journeys")  # fmt: skip
    print(f"bill      {result.billed_requests:,} requests billed of {result.expected_requests:,} "
          f"made, in {result.bill_ms:.1f} ms; tail(50) in {result.tail_ms:.2f} ms")  # fmt: skip
    for note in result.bill_notes[:2]:
        print(f"          {note}")


if __name__ == "__main__":
    main()
