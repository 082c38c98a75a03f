"""One arrival trace, run twice: on the real runtime and in the simulator, then compared.

DESIGN principle 5 says both must agree on small cases. :func:`run_on_lab` starts a Lab
with the case's limits, deploys handlers that sleep, and fires one real thread per
arrival at the trace's times; :func:`run_in_simulator` replays the same trace with the
same limits. Each gives a :class:`Tally` (throttles by Reason, cold starts, provisioned
runs); :data:`CASES` holds the five traces the tests and ``benchmarks/concurrency.py`` use.

The traces keep arrivals well away from completions and keep-alive ends (hundreds of
milliseconds), so thread scheduling on a busy machine cannot change an outcome.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lambda_lab import errors, limits
from lambda_lab.simulate.api import simulate_trace
from lambda_lab.simulate.config import FunctionConfig
from lambda_lab.simulate.timing import Constant

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

# The simulator's stand-ins for what a real worker takes beyond the handler's sleep.
INIT_MS = 60.0
OVERHEAD_MS = 5.0
ALIAS = "live"  # provisioned concurrency goes on this alias of version 1
_LEAD_S = 0.3  # threads are started this long before the first arrival


@dataclass(frozen=True)
class CaseFunction:
    name: str
    sleep_s: float
    reserved: int | None = None
    provisioned: int = 0


@dataclass(frozen=True)
class Case:
    name: str
    functions: tuple[CaseFunction, ...]
    trace: tuple[tuple[float, str], ...]  # (seconds after the start, function name)
    account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT
    scaling_rate_environments: int = limits.SCALING_RATE_ENVIRONMENTS
    scaling_rate_period_s: float = limits.SCALING_RATE_PERIOD_S
    keep_alive_s: float = limits.IDLE_ENVIRONMENT_KEEP_ALIVE_S


@dataclass(frozen=True)
class Tally:
    invocations: int
    cold_starts: int
    provisioned: int
    throttles: dict[str, int] = field(default_factory=dict)  # Reason -> count, only those seen

    def __str__(self) -> str:
        throttled = ", ".join(f"{n} {r}" for r, n in sorted(self.throttles.items())) or "none"
        ran = f"{self.invocations} ran ({self.cold_starts} cold, {self.provisioned} provisioned)"
        return f"{ran}; throttles: {throttled}"


def _burst(at: float, name: str, count: int) -> tuple[tuple[float, str], ...]:
    return tuple((at, name) for _ in range(count))


CASES = (
    Case("reserved 2, ten simultaneous 1 s calls",
         (CaseFunction("capped", 1.0, reserved=2),), _burst(0.0, "capped", 10)),
    Case("account limit 3, a burst then a second wave",
         (CaseFunction("busy", 0.5),), _burst(0.0, "busy", 5) + _burst(1.6, "busy", 3),
         account_limit=3),
    Case("provisioned 2, a burst past the account limit",
         (CaseFunction("ready", 0.5, provisioned=2),),
         _burst(0.0, "ready", 12) + _burst(1.6, "ready", 3), account_limit=10),
    Case("keep-alive 1 s: reuse, expiry, reuse",
         (CaseFunction("lonely", 0.2),),
         ((0.0, "lonely"), (0.6, "lonely"), (2.5, "lonely"), (2.9, "lonely"))
         + _burst(3.4, "lonely", 2),
         keep_alive_s=1.0),
    Case("two functions: reserved and a scaling rate of 3 per 10 s",
         (CaseFunction("orders", 0.5, reserved=2), CaseFunction("search", 0.5)),
         _burst(0.0, "orders", 4) + _burst(0.0, "search", 5)
         + _burst(1.6, "orders", 2) + _burst(1.6, "search", 4),
         account_limit=6, scaling_rate_environments=3, scaling_rate_period_s=10),
)  # fmt: skip


def run_in_simulator(case: Case) -> Tally:
    functions = [
        FunctionConfig(
            f.name,
            timeout_s=10,
            duration=Constant(f.sleep_s * 1000 + OVERHEAD_MS),
            cold_start=Constant(INIT_MS),
            reserved_concurrency=f.reserved,
            provisioned_concurrency=f.provisioned,
        )
        for f in case.functions
    ]
    result = simulate_trace(
        list(case.trace),
        functions,
        account_limit=case.account_limit,
        scaling_rate_environments=case.scaling_rate_environments,
        scaling_rate_period_s=case.scaling_rate_period_s,
        keep_alive_s=case.keep_alive_s,
    )
    throttles = {reason: n for reason, n in result.throttles_by_reason.items() if n}
    return Tally(result.invocations, result.cold_starts, result.provisioned_invocations, throttles)


def run_on_lab(case: Case) -> Tally:
    """Real threads, real workers, the Lab's real clock."""
    from lambda_lab.lab import Lab

    with Lab(
        account_concurrency=case.account_limit,
        keep_alive_s=case.keep_alive_s,
        scaling_rate_environments=case.scaling_rate_environments,
        scaling_rate_period_s=case.scaling_rate_period_s,
    ) as lab:
        qualifiers = _deploy(lab, case)
        outcomes: list[tuple[str, bool, bool]] = []  # (Reason or "ok", cold, provisioned)
        lock = threading.Lock()
        start = time.monotonic() + _LEAD_S

        def arrive(at: float, name: str) -> None:
            time.sleep(max(0.0, start + at - time.monotonic()))
            try:
                record = lab.invoke(name, {}, qualifier=qualifiers.get(name)).record
                assert record is not None  # a synchronous invoke always leaves its record
                outcome = ("ok", record.cold, record.provisioned)
            except errors.LambdaError as exc:
                if exc.code != "TooManyRequestsException":
                    raise
                outcome = (exc.members["Reason"], False, False)
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=arrive, args=item, daemon=True) for item in case.trace]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    ran = [o for o in outcomes if o[0] == "ok"]
    throttles = Counter(o[0] for o in outcomes if o[0] != "ok")
    return Tally(len(ran), sum(o[1] for o in ran), sum(o[2] for o in ran), dict(throttles))


def _deploy(lab: Lab, case: Case) -> dict[str, str]:
    """Deploy the case's functions on ``lab``; returns the qualifier to invoke each with."""
    client = lab.client("lambda")
    # The first environment of a Lab also starts its template process: do that before the
    # trace, with a function of its own, so the trace's cold starts all cost the same.
    noop = "def handler(event, context):\n    return None\n"
    lab.deploy("warm-up", noop, handler="lambda_function.handler")
    lab.invoke("warm-up")
    qualifiers: dict[str, str] = {}
    for function in case.functions:
        code = f"import time\n\ndef handler(event, context):\n    time.sleep({function.sleep_s})\n"
        lab.deploy(function.name, code, handler="lambda_function.handler", Timeout=10)
        if function.reserved is not None:
            client.put_function_concurrency(
                FunctionName=function.name, ReservedConcurrentExecutions=function.reserved
            )
        if function.provisioned:
            version = client.publish_version(FunctionName=function.name)["Version"]
            client.create_alias(FunctionName=function.name, Name=ALIAS, FunctionVersion=version)
            client.put_provisioned_concurrency_config(
                FunctionName=function.name,
                Qualifier=ALIAS,
                ProvisionedConcurrentExecutions=function.provisioned,
            )
            status = lab.concurrency.provisioned.wait(function.name, ALIAS)["Status"]
            if status != "READY":
                raise RuntimeError(
                    f"provisioned concurrency of {function.name} is {status}, not READY"
                )
            qualifiers[function.name] = ALIAS
    return qualifiers


def compare(case: Case) -> tuple[Tally, Tally]:
    """(simulator, runtime) for one case."""
    return run_in_simulator(case), run_on_lab(case)
