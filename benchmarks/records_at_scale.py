"""Reading what ran, at 100,000 recorded invocations: ``lab.logs.tail(50)`` and ``lab.bill()``.

    python benchmarks/records_at_scale.py [--invocations 100000] [--quick]

The caps are raised so that all the invocations stay in memory (``lab.records.max_records``
and ``lab.logs.max_invocations``), then each read is timed (median of 7) next to what it
cost before the indexes and running totals, computed in the same run from the same data:
pricing every record one by one (``bill_from_records``) and rendering and sorting every log
line of the group to keep the last 50. Targets: tail <= 10 ms, bill <= 50 ms.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from _common import parser

HANDLER = "def lambda_handler(event, context):\n    print('event', event)\n    return event\n"


def _median_ms(call: Callable[[], Any], times: int = 7) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def at_scale(invocations: int) -> dict[str, float]:
    from lambda_lab import Lab
    from lambda_lab.pricing.calculator import bill_from_records

    with Lab() as lab:
        lab.records.max_records = invocations
        lab.logs.max_invocations = invocations
        lab.deploy("scale", HANDLER)
        for n in range(invocations):
            lab.invoke("scale", n, log_type="None")
        assert len(lab.records) == invocations and lab.records.dropped == 0

        def old_tail() -> str:
            lines = [e.message for e in lab.logs.events("scale")]
            return "\n".join(lines[-50:])

        assert lab.logs.tail("scale", 50) == old_tail()
        assert lab.bill().lines == bill_from_records(lab.records).lines
        return {
            "tail": _median_ms(lambda: lab.logs.tail("scale", 50)),
            "tail, every line rendered and sorted": _median_ms(old_tail, 3),
            "bill": _median_ms(lab.bill),
            "bill, every record priced": _median_ms(lambda: bill_from_records(lab.records), 3),
        }


def main() -> None:
    arguments = parser(__doc__, runs=None)
    arguments.add_argument("--invocations", type=int, default=100_000)
    args = arguments.parse_args()
    if args.quick:
        args.invocations = min(args.invocations, 2_000)
    print(f"machine  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    got = at_scale(args.invocations)
    print(f"at {args.invocations:,} recorded invocations (all kept in memory):")
    print(f"  lab.logs.tail(50) {got['tail']:8.2f} ms (target <= 10 ms); rendering every line "
          f"{got['tail, every line rendered and sorted']:8.1f} ms: "
          f"{got['tail, every line rendered and sorted'] / got['tail']:,.0f}x faster")  # fmt: skip
    print(f"  lab.bill()        {got['bill']:8.2f} ms (target <= 50 ms); pricing every record "
          f"{got['bill, every record priced']:8.1f} ms: "
          f"{got['bill, every record priced'] / got['bill']:,.0f}x faster")  # fmt: skip


if __name__ == "__main__":
    main()
