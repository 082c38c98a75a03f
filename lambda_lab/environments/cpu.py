"""CPU follows memory: hold a worker to the share of a vCPU that its memory size buys.

Lambda gives a function CPU in proportion to its memory (1,769 MB = one vCPU). The Lab
imitates that for functions below one vCPU: while an invocation runs, the Lab compares
the CPU time the worker used with ``share x wall time`` and, when the worker is ahead,
stops it (SIGSTOP) until the wall clock catches up. A handler that returns within the
first few milliseconds never meets the governor, so short invokes stay fast.

Differences from AWS, said in the pricing lesson: the Lab's slices are a few
milliseconds long (Lambda's scheduler is finer), a machine with fewer cores than the
share cannot give more, and above one vCPU the Lab does not throttle at all.
"""

from __future__ import annotations

import os
import signal
import time

from lambda_lab import limits


def cpu_share(memory_mb: int) -> float:
    """The fraction of one CPU the Lab lets a function of this size use (1.0 = no throttle)."""
    return min(1.0, limits.vcpus_for_memory(memory_mb))


def cpu_seconds(pid: int) -> float:
    """CPU time used by every thread of a process, from the scheduler's nanosecond counters."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", "rb") as handle:
                total += int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass  # the process is ending; whatever was counted stands
    return total / 1e9


class CpuGovernor:
    def __init__(self, pid: int, share: float) -> None:
        self.pid = pid
        self.share = share
        self.started_wall = time.perf_counter()
        self.started_cpu = cpu_seconds(pid)
        self.stopped_for = 0.0

    def debt(self) -> float:
        """Seconds the worker must stay stopped to be back within its share (0 if it is)."""
        used = cpu_seconds(self.pid) - self.started_cpu
        allowed_until = self.started_wall + used / self.share
        return max(0.0, allowed_until - time.perf_counter())

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.pid, number)
        except OSError:
            pass  # already gone: the caller sees the closed socket
