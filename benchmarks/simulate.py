"""How fast the concurrency simulator runs, against a plain heapq event loop timed in the same run.

    /work/venv/bin/python benchmarks/simulate.py            # 1,000,000 bursty sync arrivals
    /work/venv/bin/python benchmarks/simulate.py --scale 0.1 --async

The workload is the issue's: one function, account limit 1,000, bursty arrivals (a steady
1,000 requests a second plus a 20,000-request burst every 20 s). The baseline is the
cheapest discrete-event loop there is: a heap holding 1,000 pending events, each pop
pushing one successor, with no model at all. The ratio says how much of that bare speed
the full model keeps per simulated invocation.
"""

from __future__ import annotations

import argparse
import heapq
import random
import time

from lambda_lab.simulate import Burst, FunctionConfig, LogNormal, Steady, simulate
from lambda_lab.simulate.config import ASYNC, SYNC

TARGET_S = 10.0  # the bar for 1,000,000 invocations


def heapq_baseline(events: int, pending: int = 1_000) -> float:
    """Events per second of a bare heapq loop with ``pending`` events in the heap."""
    draw = random.Random(0).random
    heap = [(draw(), sequence, None) for sequence in range(pending)]
    heapq.heapify(heap)
    push, pop = heapq.heappush, heapq.heappop
    started = time.perf_counter()
    for sequence in range(pending, pending + events):
        when, _, _ = pop(heap)
        push(heap, (when + draw(), sequence, None))
    return events / (time.perf_counter() - started)


def workload(scale: float, invocation_type: str) -> tuple[FunctionConfig, list]:
    seconds = max(1, round(500 * scale))
    bursts = max(1, seconds // 20)
    config = FunctionConfig(
        "api",
        memory_mb=512,
        timeout_s=10,
        duration=LogNormal(120, 0.5, seed=1),
        cold_start=LogNormal(300, 0.3, seed=2),
    )
    arrivals = [
        Steady("api", rate_per_s=1_000, duration_s=seconds, invocation_type=invocation_type),
        Burst(
            "api",
            size=20_000,
            at_s=5,
            over_s=1,
            repeat=bursts,
            every_s=20,
            invocation_type=invocation_type,
        ),
    ]
    return config, arrivals


def run(scale: float, invocation_type: str, baseline: float) -> None:
    config, arrivals = workload(scale, invocation_type)
    wall, cpu = time.perf_counter(), time.process_time()
    result = simulate(config, arrivals, account_limit=1_000)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rate = result.arrivals / wall
    print(f"\n== {invocation_type} arrivals ==")
    print(result.summary())
    print(
        f"simulated {result.arrivals:,} arrivals ({result.events_processed:,} events) "
        f"in {wall:.2f} s wall, {cpu:.2f} s CPU"
    )
    print(f"simulated invocations per second: {rate:,.0f}")
    print(
        f"ratio to the plain heapq loop:    {rate / baseline:.2f} "
        f"(events per arrival: {result.events_processed / max(1, result.arrivals):.2f})"
    )
    if result.arrivals >= 1_000_000:
        verdict = "met" if wall <= TARGET_S else "MISSED"
        print(f"target: 1,000,000 invocations in <= {TARGET_S:.0f} s: {verdict} ({wall:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the 1,000,000-arrival workload (default 1)",
    )
    parser.add_argument(
        "--async",
        dest="include_async",
        action="store_true",
        help="also run the workload as async events (throttles retried with "
        "backoff: several attempts per event, much slower)",
    )
    args = parser.parse_args()
    baseline = heapq_baseline(1_000_000)
    print(f"plain heapq loop: {baseline:,.0f} events per second (1,000 pending)")
    run(args.scale, SYNC, baseline)
    if args.include_async:
        run(args.scale, ASYNC, baseline)


if __name__ == "__main__":
    main()
