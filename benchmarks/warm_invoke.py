"""Warm `lab.invoke` against a raw JSON round trip to a worker process, unpinned and pinned.

    python benchmarks/warm_invoke.py            # 3 runs of 3,000 interleaved calls each way
    python benchmarks/warm_invoke.py --quick

The floor is the least any process-based runtime pays: the event as JSON over a socket
pair to a long-lived process that decodes it, encodes it again and sends it back. Each
iteration times one raw round trip and one warm `lab.invoke` of a handler that returns
its event, back to back, so both see the same machine. Unpinned is what a notebook gets
(the scheduler places caller and worker); pinned puts this process on one CPU and the
worker (and the template its environments are forked from) on the other.
Targets (issue 22): unpinned <= 2.0 x, pinned <= 1.3 x.
"""

from __future__ import annotations

import time

from _common import EchoWorker, heading, median, parser, pinned, ratio, runs_of, two_cpus

from lambda_lab import Lab

EVENT = {"key1": "value1", "key2": "value2", "key3": "value3", "n": 42, "flag": True}
HANDLER = "def lambda_handler(event, context):\n    return event\n"


def interleaved(lab: Lab, echo: EchoWorker, calls: int) -> tuple[float, float]:
    """Median seconds of a raw round trip and of a warm invoke, timed alternately."""
    raw, warm = [], []
    clock = time.perf_counter
    for _ in range(calls):
        started = clock()
        echo.round_trip(EVENT)
        middle = clock()
        lab.invoke("bench", EVENT, log_type="None")
        raw.append(middle - started)
        warm.append(clock() - middle)
    skip = min(10, calls // 10)
    return median(raw[skip:]), median(warm[skip:])


def one_run(calls: int) -> dict[str, float]:
    echo = EchoWorker()
    try:
        with Lab() as lab:
            lab.deploy("bench", HANDLER)
            lab.invoke("bench", EVENT)  # the cold start, not timed
            figures = {}
            figures["raw_unpinned"], figures["lab_unpinned"] = interleaved(lab, echo, calls)
            cpus = two_cpus()
            template = lab._spawner.pid
            if cpus and template:
                with pinned(cpus[0], template, echo.process.pid):
                    lab.pool.retire("bench")  # the next environment is forked pinned
                    lab.invoke("bench", EVENT)
                    figures["raw_pinned"], figures["lab_pinned"] = interleaved(lab, echo, calls)
            return figures
    finally:
        echo.close()


def main() -> None:
    args = parser(__doc__).parse_args()
    calls = 200 if args.quick else 3000
    runs = [one_run(calls) for _ in range(runs_of(args))]
    for placement, target in (("unpinned", "<= 2.0"), ("pinned", "<= 1.3")):
        if f"raw_{placement}" not in runs[0]:
            print(f"\n(only one CPU: no {placement} figures)")
            continue
        raw = median([r[f"raw_{placement}"] for r in runs]) * 1e6
        lab = median([r[f"lab_{placement}"] for r in runs]) * 1e6
        ratios = sorted(r[f"lab_{placement}"] / r[f"raw_{placement}"] for r in runs)
        heading(f"warm invoke, {placement} (medians of {len(runs)} runs x {calls} calls)")
        ratio("raw JSON round trip to a worker (floor)", raw, raw, "us")
        ratio("lab.invoke, warm", lab, raw, "us", target, times=median(ratios))
        print(f"  per-run ratios: {', '.join(f'{value:.2f}' for value in ratios)}")


if __name__ == "__main__":
    main()
