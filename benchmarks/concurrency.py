"""Concurrency at both scales: simulated invocations per second, and simulator-vs-runtime agreement.

    /work/venv/bin/python benchmarks/concurrency.py              # 1,000,000 simulated + 5 traces
    /work/venv/bin/python benchmarks/concurrency.py --scale 0.1  # a tenth of the simulated load

1. The simulator runs the issue's workload (one function, account limit 1,000, bursty
   arrivals: benchmarks/simulate.py's) and prints invocations per second, against two
   baselines measured in the same run: a bare heapq event loop, and the real runtime
   invoking a no-op handler warm, one call after another.
2. The five small traces of ``lambda_lab.simulate.agreement`` run on the real runtime
   (threads, worker processes, sleeping handlers) and in the simulator; the table shows
   both tallies and whether their throttle and cold-start counts agree.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time

from lambda_lab import Lab
from lambda_lab.simulate import simulate
from lambda_lab.simulate.agreement import CASES, compare


def _simulate_benchmark():  # type: ignore[no-untyped-def]
    """benchmarks/simulate.py, for its workload and heapq baseline (one definition of each)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "simulate.py")
    spec = importlib.util.spec_from_file_location("simulate_benchmark", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def real_runtime_rate(calls: int = 300) -> float:
    """Warm invocations per second of a no-op handler on the real runtime (one caller)."""
    with Lab() as lab:
        lab.deploy(
            "noop",
            "def handler(event, context):\n    return None\n",
            handler="lambda_function.handler",
        )
        lab.invoke("noop")  # the cold start, not timed
        started = time.perf_counter()
        for _ in range(calls):
            lab.invoke("noop")
        return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="fraction of the 1,000,000-arrival workload"
    )
    args = parser.parse_args()

    bench = _simulate_benchmark()
    config, arrivals = bench.workload(args.scale, "RequestResponse")
    heapq_rate = bench.heapq_baseline(1_000_000)
    real_rate = real_runtime_rate()
    wall = time.perf_counter()
    result = simulate(config, arrivals, account_limit=1_000)
    wall = time.perf_counter() - wall
    rate = result.arrivals / wall
    print("== the simulator at AWS's scale ==")
    print(result.summary())
    print(
        f"simulated {result.arrivals:,} invocations in {wall:.2f} s: {rate:,.0f} simulated invocations per second"
    )
    print(f"  x {rate / heapq_rate:.2f} a bare heapq loop ({heapq_rate:,.0f} events/s)")
    print(
        f"  x {rate / real_rate:,.0f} the real runtime's warm no-op invocations ({real_rate:,.0f}/s, one caller)"
    )

    print("\n== simulator vs real runtime, five small traces ==")
    agreed = 0
    for number, case in enumerate(CASES, 1):
        started = time.perf_counter()
        simulated, real = compare(case)
        same = simulated == real
        agreed += same
        print(
            f"{number}. {case.name} ({len(case.trace)} arrivals, {time.perf_counter() - started:.1f} s)"
        )
        print(f"   simulator: {simulated}")
        print(f"   runtime:   {real}")
        print(f"   {'agree' if same else 'DISAGREE'}")
    print(f"\nagreement: {agreed}/{len(CASES)} traces give the same throttle and cold-start counts")


if __name__ == "__main__":
    main()
