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

What is counted: workers are forked from one template process and share its pages (the
interpreter, the runtime). RSS counts those shared pages again in every worker (about 12
MB each here), so the Lab counts the template's RSS once (it holds every shared page) plus
each worker's USS (unique set size: its private pages only, about 3 MB for a plain handler
here), which is also what one more environment adds. Unlike a sum of PSS (proportional
set size), which is exact only if every process is measured at the same instant, this sum
does not swing as workers are forked (a fresh fork's PSS is half the template's). Each
function's footprint is learned from its environments (the largest USS seen); a function
never measured is charged :data:`NEW_ENVIRONMENT_ESTIMATE_MB`, what a plain handler's
environment measures. An environment still starting is charged the larger of what it
holds so far and its function's footprint, since its init code is still loading. Where
the kernel offers no smaps_rollup, RSS stands in (an overestimate: safe).

Reading ``/proc/PID/smaps_rollup`` costs the kernel a walk over the process's pages (about
0.1-0.5 ms here), so each process is measured at most once per :data:`MEASURE_EVERY_S`:
a burst of 200 cold starts then reads each worker about once, not 200 times.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from lambda_lab import errors
from lambda_lab.concurrency import admission

DEFAULT_BUDGET_MB = 768  # leaves room for Jupyter and the kernel in a 1 GB Binder session
# What an environment of a function never measured is charged: a plain handler's worker
# holds 2.8-2.9 MB privately here (benchmarks/concurrency.py); the rest is a margin for what
# its first invocations allocate. Functions that import more are learned on their first run.
NEW_ENVIRONMENT_ESTIMATE_MB = 3.5
MEASURE_EVERY_S = 0.5
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class Memory(NamedTuple):
    """One process's memory, in MB."""

    rss: float  # resident: its private pages and every page it shares
    pss: float  # shared pages split among their sharers
    uss: float  # private pages only


def process_memory(pid: int) -> Memory | None:
    """A process's memory from smaps_rollup (RSS for all three where it is missing); None if
    the process is gone."""
    fields = {b"Rss:": 0, b"Pss:": 0, b"Private_Clean:": 0, b"Private_Dirty:": 0}
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                name, _, rest = line.partition(b" ")
                if name in fields:
                    fields[name] = int(rest.split()[0])
        return Memory(
            fields[b"Rss:"] / 1024,
            fields[b"Pss:"] / 1024,
            (fields[b"Private_Clean:"] + fields[b"Private_Dirty:"]) / 1024,
        )
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            rss = int(handle.read().split()[1]) * _PAGE_KB / 1024
            return Memory(rss, rss, rss)
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Usage:
    """What the Lab's processes use at one moment, in MB."""

    used_mb: float  # workers' USS (starting ones at least their footprint) + the template's RSS
    environments: int
    new_environment_mb: float  # what one more environment of the asked-for function needs

    def fits(self, budget_mb: float, extra_environments: int = 1) -> bool:
        return self.used_mb + extra_environments * self.new_environment_mb <= budget_mb


class MemoryBudget:
    """Decides whether one more environment fits; learns each function's footprint."""

    def __init__(
        self,
        budget_mb: float = DEFAULT_BUDGET_MB,
        measure: Callable[[int], Memory | None] = process_memory,
        *,
        measure_every_s: float = MEASURE_EVERY_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_mb = check_budget(budget_mb)
        self.refusals = 0
        self._measure = measure
        self._measure_every_s = measure_every_s
        self._now = now
        self._footprints: dict[str, float] = {}  # function -> largest USS measured
        self._measured: dict[int, tuple[float, Memory | None]] = {}  # pid -> (when, memory)

    def footprint(self, function_name: str) -> float:
        """The memory one more environment of this function is expected to add, in MB."""
        return self._footprints.get(function_name, NEW_ENVIRONMENT_ESTIMATE_MB)

    def usage(
        self,
        function_name: str,
        environments: Iterable[object],
        extra_pids: Iterable[int | None] = (),
        pending: Iterable[str] = (),
    ) -> Usage:
        """Measure now. ``environments`` are the live ones (objects with ``pid``, ``state`` and
        ``function_name``); ``pending`` names the functions of cold starts admitted and not
        finished (those already in ``environments`` as starting are counted there once); ``extra_pids`` are shared helpers such as the template process, counted
        whole (their RSS holds the pages the workers share)."""
        used, count = 0.0, 0
        alive: set[int] = set()
        not_started = Counter(pending)
        for env in environments:
            count += 1
            name = getattr(env, "function_name", "")
            pid = getattr(env, "pid", 0)
            alive.add(pid)
            memory = self._memory(pid)
            uss = memory.uss if memory else 0.0
            if getattr(getattr(env, "state", None), "value", "") == "starting":
                # Its init code is still loading: count what its function will take. It is
                # one of the ``pending`` admissions, now counted here.
                used += max(uss, self.footprint(name))
                if not_started[name]:
                    not_started[name] -= 1
            else:
                if uss:
                    self._footprints[name] = max(uss, self._footprints.get(name, 0.0))
                used += uss
        for pid in extra_pids:
            if pid:
                alive.add(pid)
                memory = self._memory(pid)
                used += memory.rss if memory else 0.0
        for name, waiting in not_started.items():
            used += waiting * self.footprint(name)
            count += waiting
        for gone in self._measured.keys() - alive:
            del self._measured[gone]
        return Usage(used, count, self.footprint(function_name))

    def _memory(self, pid: int) -> Memory | None:
        """(PSS, USS) of ``pid``, measured at most once per ``measure_every_s``."""
        if not pid:
            return None
        now = self._now()
        cached = self._measured.get(pid)
        if cached is not None and now - cached[0] < self._measure_every_s:
            return cached[1]
        memory = self._measure(pid)
        self._measured[pid] = (now, memory)
        return memory

    def refusal(self, function_name: str, usage: Usage) -> errors.LambdaError:
        """The 429 a caller gets when one more environment would not fit."""
        self.refusals += 1
        return errors.TooManyRequestsException(
            f"Rate Exceeded. The Lab's memory budget is used up: {usage.environments} execution "
            f"environments and the Lab's template use {usage.used_mb:.0f} MB (measured) of the "
            f"{self.budget_mb:g} MB budget, and a new environment of {function_name} needs about "
            f"{usage.new_environment_mb:.1f} MB. Retry when environments have ended (idle ones end "
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
