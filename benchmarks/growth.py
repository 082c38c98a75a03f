"""What grows with use: `logs.tail(50)`, `lab.bill()` and memory at 1,000 ... 100,000 invocations.

    python benchmarks/growth.py                 # up to 100,000 recorded invocations
    python benchmarks/growth.py --quick         # up to 2,000

One function is invoked over and over (each call logs a line, as a print in a handler
does); at each checkpoint `lab.logs.tail(name, 50)` and `lab.bill()` are timed (median
of 3 calls each) and this process's resident memory is read. A flat cost reads the same
at every checkpoint; each row also shows its ratio to the first checkpoint.
Targets (issue 22), at 100,000: tail(50) <= 10 ms, bill() <= 50 ms.
"""

from __future__ import annotations

import os
import time

from _common import heading, median, parser, row

from lambda_lab import Lab

HANDLER = "def lambda_handler(event, context):\n    print('order', event['n'])\n    return event\n"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE / 2**20


def median_ms(work, calls: int = 3) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return median(samples) * 1000


def main() -> None:
    args = parser(__doc__, runs=3).parse_args()
    checkpoints = (200, 2_000) if args.quick else (1_000, 10_000, 100_000)
    figures = []
    repeats = max(3, args.runs)
    with Lab() as lab:
        lab.deploy("orders", HANDLER)
        done = 0
        started = time.perf_counter()
        for checkpoint in checkpoints:
            while done < checkpoint:
                lab.invoke("orders", {"n": done}, log_type="None")
                done += 1
            lines = lab.logs.tail("orders", 50).splitlines()
            assert len(lines) == 50 and lines[-1].startswith("REPORT"), lines[-3:]
            figures.append(
                (
                    checkpoint,
                    median_ms(lambda: lab.logs.tail("orders", 50), repeats),
                    median_ms(lab.bill, repeats),
                    rss_mb(),
                )
            )
        invoking = time.perf_counter() - started
    first = figures[0]
    for count, tail_ms, bill_ms, rss in figures:
        heading(f"at {count:,} recorded invocations")
        row("lab.logs.tail(name, 50)", tail_ms, "ms", f"= {tail_ms / first[1]:.1f} x at "
            f"{first[0]:,}" + ("   (target <= 10 ms)" if count == 100_000 else ""))  # fmt: skip
        row("lab.bill()", bill_ms, "ms", f"= {bill_ms / first[2]:.1f} x at {first[0]:,}"
            + ("   (target <= 50 ms)" if count == 100_000 else ""))  # fmt: skip
        row("this process's resident memory", rss, "MB")
    last = figures[-1]
    grown = (last[3] - first[3]) * 1024 / (last[0] - first[0])
    print(f"\n  memory grew {grown:.2f} KB per invocation between {first[0]:,} and {last[0]:,}")
    print(
        f"  ({last[0]:,} warm invocations took {invoking:.1f} s, {invoking / last[0] * 1e6:.0f} us each)"
    )


if __name__ == "__main__":
    main()
