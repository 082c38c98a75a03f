"""Money: a run's metered usage priced by ``lambda_lab.pricing.calculator``, the Lab's one price path.

The engine keeps, per function, whole billed milliseconds and request counts; here they
become a :class:`~lambda_lab.pricing.usage.Usage` (exact Decimals) at any sample, so the
cost over time and the final bill come from the same numbers the runtime's bills use.
Provisioned concurrency counts as enabled from the start of the run.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from lambda_lab import limits

if TYPE_CHECKING:
    from lambda_lab.pricing.bill import Bill
    from lambda_lab.pricing.usage import Usage
    from lambda_lab.simulate.result import Result


def billed_milliseconds(run_ms: float) -> int:
    """One invocation's billed duration (INIT included): rounded up to 1 ms, at least 1 ms.

    The same rule as ``InvocationRecord.billed_duration_ms`` (``ceil(round(ms, 6))``: float
    noise under half a nanosecond does not buy another millisecond), written without
    ``round`` because it runs once per simulated invocation.
    """
    whole = int(run_ms)
    if run_ms - whole >= 5e-7:
        whole += 1
    return whole if whole > 1 else 1


def billed_milliseconds_total(runs_ms: array[float], start: int = 0) -> int:
    """The sum of :func:`billed_milliseconds` over ``runs_ms[start:]``, in one step.

    The simulator's in-line path keeps each run's milliseconds in its latency array and
    bills them in bulk; NumPy does the same float arithmetic as the function above.
    """
    count = len(runs_ms) - start
    if count < 64:  # NumPy's call overhead would cost more than it saves
        return sum(billed_milliseconds(runs_ms[index]) for index in range(start, len(runs_ms)))
    import numpy as np

    values = np.frombuffer(runs_ms, dtype=np.float64, offset=start * runs_ms.itemsize)
    whole = np.trunc(values)
    whole += (values - whole) >= 5e-7
    return int(np.maximum(whole, 1.0).astype(np.int64).sum())


def usage_at(result: Result, index: int) -> Usage:
    """Everything billable from the start of the run to ``result.timeline[index]``."""
    from lambda_lab.pricing.usage import Usage, gb_seconds, meter_provisioned_concurrency

    sample = result.timeline[index]
    usage = Usage()
    for config, (requests, ms, pc_requests, pc_ms) in zip(result.account.functions, sample.usage):
        arch, memory = config.architecture, config.memory_mb
        usage += Usage(
            requests=requests,
            provisioned_requests=pc_requests,
            duration={arch: gb_seconds(ms, memory)},
            provisioned_duration={arch: gb_seconds(pc_ms, memory)},
            ephemeral=gb_seconds(ms + pc_ms, config.ephemeral_storage_mb - limits.EPHEMERAL_MIN_MB),
            invocations=requests + pc_requests,
        )
        if config.provisioned_concurrency:
            usage += meter_provisioned_concurrency(
                config.provisioned_concurrency,
                memory,
                sample.time - result.start,
                architecture=arch,
            )
    return usage


def bill_at(result: Result, index: int, *, free_tier: bool = False) -> Bill:
    """The itemised bill up to sample ``index``; the monthly free tier only if asked."""
    from lambda_lab.pricing.calculator import price

    return price(usage_at(result, index), free_tier=free_tier)
