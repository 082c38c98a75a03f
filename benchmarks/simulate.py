"""How fast the concurrency simulator runs, against a plain heapq event loop timed in the same run.

    python benchmarks/simulate.py               # 1,000,000 bursty sync arrivals, 3 runs
    python benchmarks/simulate.py --quick       # 20,000 arrivals, 1 run
    python benchmarks/simulate.py --scale 0.1 --async

The workload is the issue's: one function, account limit 1,000, bursty arrivals (a steady
1,000 requests a second plus a 20,000-request burst every 20 s). The baseline is the
cheapest discrete-event loop there is: a heap holding 1,000 pending events, each pop
pushing one successor, with no model at all. Simulator and baseline run alternately, and
both are timed in CPU seconds of this process (what a busy shared machine does not
inflate) and in wall seconds; the ratio is simulated invocations per second over the
baseline's events per second. Target (issue 22): >= 0.5 x (1M invocations <= 1.2 s here).
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import time

from lambda_lab.simulate import Burst, FunctionConfig, LogNormal, Steady, simulate
from lambda_lab.simulate.config import ASYNC, SYNC

RATIO_TARGET = 0.5  # issue 22: at least half the bare loop's events per second


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


def timed(work):  # type: ignore[no-untyped-def]
    """(wall seconds, CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def run(scale: float, invocation_type: str, runs: int) -> None:
    config, arrivals = workload(scale, invocation_type)
    simulate(config, arrivals, account_limit=1_000)  # imports NumPy and warms caches
    samples = []
    for _ in range(runs):  # alternately, so both see the same machine
        base_wall, base_cpu, _ = timed(lambda: heapq_baseline(1_000_000))
        sim_wall, sim_cpu, result = timed(lambda: simulate(config, arrivals, account_limit=1_000))
        samples.append((base_wall, base_cpu, sim_wall, sim_cpu))
    base_wall, base_cpu, sim_wall, sim_cpu = (
        statistics.median(sample[i] for sample in samples) for i in range(4)
    )
    print(f"\n== {invocation_type} arrivals (medians of {runs} runs) ==")
    print(result.summary())
    events = result.events_processed / max(1, result.arrivals)
    print(f"simulated {result.arrivals:,} arrivals ({events:.2f} events per arrival)")
    for clock, base, sim in (("CPU", base_cpu, sim_cpu), ("wall", base_wall, sim_wall)):
        base_rate, sim_rate = 1_000_000 / base, result.arrivals / sim
        ratios = sorted(
            (result.arrivals / sample[3 if clock == "CPU" else 2])
            / (1_000_000 / sample[1 if clock == "CPU" else 0])
            for sample in samples
        )
        print(
            f"  {clock:>4}: plain heapq loop {base_rate:>11,.0f} events/s; simulator "
            f"{sim_rate:>9,.0f} invocations/s in {sim:.2f} s = {sim_rate / base_rate:.2f} x "
            f"(target >= {RATIO_TARGET}); per run: {', '.join(f'{r:.2f}' for r in ratios)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]),
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the 1,000,000-arrival workload (default 1)",
    )
    parser.add_argument("--runs", type=int, default=3, help="repetitions (at least 3)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: figures mean nothing")
    parser.add_argument(
        "--async",
        dest="include_async",
        action="store_true",
        help="also run the workload as async events (throttles retried with "
        "backoff: several attempts per event, much slower)",
    )
    args = parser.parse_args()
    scale, runs = (0.02, 1) if args.quick else (args.scale, max(3, args.runs))
    run(scale, SYNC, runs)
    if args.include_async:
        run(scale, ASYNC, runs)


if __name__ == "__main__":
    main()
