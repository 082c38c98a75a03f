"""The concurrency simulator: Lambda's admission, scaling and reuse rules at AWS's scale.

    from lambda_lab.simulate import FunctionConfig, Burst, simulate
    result = simulate(FunctionConfig("api", duration=120), Burst("api", size=10_000, over_s=1))
    print(result.summary())

The same rules as the Lab's runtime (``model``), run as discrete events (``core``,
``engine``) over arrival patterns (``arrivals``); results carry counts, a sampled
timeline, latency percentiles and a bill priced by ``lambda_lab.pricing.calculator``. Plots live in
``lambda_lab.simulate.plots`` (matplotlib is imported only there).
"""

from __future__ import annotations

from lambda_lab.simulate.api import simulate, simulate_trace
from lambda_lab.simulate.arrivals import Burst, Poisson, Ramp, Steady, Trace, merge
from lambda_lab.simulate.config import ASYNC, SYNC, Account, FunctionConfig
from lambda_lab.simulate.model import (
    ACCOUNT_LIMIT_REASON,
    RESERVED_LIMIT_REASON,
    SCALING_RATE_REASON,
    ConcurrencyModel,
)
from lambda_lab.simulate.result import FunctionStats, InvocationOutcome, Result, Sample
from lambda_lab.simulate.timing import Constant, Empirical, Exponential, LogNormal, Uniform

__all__ = [
    "ACCOUNT_LIMIT_REASON",
    "ASYNC",
    "Account",
    "Burst",
    "ConcurrencyModel",
    "Constant",
    "Empirical",
    "Exponential",
    "FunctionConfig",
    "FunctionStats",
    "InvocationOutcome",
    "LogNormal",
    "Poisson",
    "RESERVED_LIMIT_REASON",
    "Ramp",
    "Result",
    "SCALING_RATE_REASON",
    "SYNC",
    "Sample",
    "Steady",
    "Trace",
    "Uniform",
    "merge",
    "simulate",
    "simulate_trace",
]
