"""The Lab's memory budget: how many execution environments this machine can really hold.

On AWS every environment gets the MemorySize it asks for, and 1,000 of them run on AWS's
machines. Here they are processes on the learner's own, and a Binder session has 1-2 GB
for everything: Jupyter, the kernel and the Lab. So before a new environment starts, the
Lab checks that the memory its environments *measurably use*, plus what the new one is
expected to use, stays within a budget (``Lab(memory_budget_mb=...)``). When it would
not, the invocation is refused the AWS way, a ``TooManyRequestsException`` whose message
names the budget, so callers, the async queue and the pollers back off and retry instead
of the machine running out of memory.

Why measured memory and not MemorySize: MemorySize is the limit AWS enforces per
environment, not what it uses. A small handler's worker uses 3-4 MB of its own while its
MemorySize is 128 MB, so summing MemorySize would stop a 768 MB budget at six environments,
far below what the machine holds, and would refuse a single 1,024 MB function outright.
Each worker is still killed at its own MemorySize, as on AWS.

Why PSS (proportional set size) rather than plain RSS: workers are forked from one template
process and share its pages (the interpreter, the runtime). RSS counts those shared pages
again in every worker (about 12 MB each here); PSS splits each shared page among the
processes that share it, so the sum over the template and its workers is the memory they
really take. Where the kernel does not offer PSS, RSS is used (an overestimate: safe).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lambda_lab import errors
from lambda_lab.concurrency import admission

DEFAULT_BUDGET_MB = 768  # leaves room for Jupyter and the kernel in a 1 GB Binder session
# What a function's first environment is assumed to need before any was measured: a plain
# handler measures 3-4 MB, one importing boto3 about 30 MB; larger imports are learned.
FIRST_ENVIRONMENT_ESTIMATE_MB = 16.0
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def process_memory_mb(pid: int) -> float | None:
    """A process's proportional set size in MB (RSS where PSS is unavailable); None if gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB / 1024
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Usage:
    """What the Lab's processes use at one moment, in MB."""

    used_mb: float  # environments (starting ones at least at their estimate) + the template
    environments: int
    new_environment_mb: float  # what one more environment of the asked-for function needs

    def fits(self, budget_mb: float, extra_environments: int = 1) -> bool:
        return self.used_mb + extra_environments * self.new_environment_mb <= budget_mb


class MemoryBudget:
    """Decides whether one more environment fits; learns each function's footprint."""

    def __init__(
        self,
        budget_mb: float = DEFAULT_BUDGET_MB,
        measure: Callable[[int], float | None] = process_memory_mb,
    ) -> None:
        self.budget_mb = check_budget(budget_mb)
        self.refusals = 0
        self._measure = measure
        self._footprints: dict[str, float] = {}  # function -> largest environment measured

    def footprint(self, function_name: str) -> float:
        """The memory one environment of this function is expected to take, in MB."""
        return self._footprints.get(function_name, FIRST_ENVIRONMENT_ESTIMATE_MB)

    def usage(
        self,
        function_name: str,
        environments: Iterable[object],
        extra_pids: Iterable[int | None] = (),
        pending: Iterable[str] = (),
    ) -> Usage:
        """Measure now. ``environments`` are the live ones (objects with ``pid``, ``state`` and
        ``function_name``); ``pending`` names the functions of environments admitted but not
        started yet; ``extra_pids`` are shared helpers such as the template process."""
        used, count = 0.0, 0
        for env in environments:
            count += 1
            name = getattr(env, "function_name", "")
            pid = getattr(env, "pid", 0)
            measured = self._measure(pid) if pid else None
            starting = getattr(getattr(env, "state", None), "value", "") == "starting"
            if measured is not None and not starting:
                self._footprints[name] = max(measured, self._footprints.get(name, 0.0))
            # A starting environment will grow to its function's size: count that already.
            used += max(measured or 0.0, self.footprint(name)) if starting else (measured or 0.0)
        for pid in extra_pids:
            if pid:
                used += self._measure(pid) or 0.0
        for name in pending:
            used += self.footprint(name)
            count += 1
        return Usage(used, count, self.footprint(function_name))

    def refusal(self, function_name: str, usage: Usage) -> errors.LambdaError:
        """The 429 a caller gets when one more environment would not fit."""
        self.refusals += 1
        return errors.TooManyRequestsException(
            f"Rate Exceeded. The Lab's memory budget is used up: {usage.environments} execution "
            f"environments and the Lab's template use {usage.used_mb:.0f} MB (measured) of the "
            f"{self.budget_mb:g} MB budget, and a new environment of {function_name} needs about "
            f"{usage.new_environment_mb:.0f} MB. Retry when environments have ended (idle ones end "
            "after the keep-alive), or create the Lab with a larger Lab(memory_budget_mb=...).",
            Reason=admission.ACCOUNT_LIMIT_REASON,
            retryAfterSeconds="1",
        )


def check_budget(budget_mb: object) -> float:
    if (
        isinstance(budget_mb, bool)
        or not isinstance(budget_mb, (int, float))
        or not 0 < budget_mb < float("inf")
    ):
        raise errors.InvalidParameterValueException(
            f"memory_budget_mb must be a number of megabytes > 0 (got {budget_mb!r})"
        )
    return float(budget_mb)
