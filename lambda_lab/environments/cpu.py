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


def _cpu_clock(pid: int) -> int:
    # Python has pthread_getcpuclockid but no clock_getcpuclockid(pid), so the id is built as
    # Linux's MAKE_PROCESS_CPUCLOCK does: the pid inverted, shifted past three bits, and
    # CPUCLOCK_SCHED (2). The kernel looks the pid up in the caller's pid namespace.
    return ((~pid) << 3) | 2


def cpu_seconds(pid: int) -> float:
    """CPU time used by every thread of a process, ended threads included: its CPU-time clock,
    one system call (listing /proc/PID/task and reading each thread's schedstat took ~17 us,
    and missed threads that had ended). 0 once the process is gone."""
    if pid <= 0:  # pid 0 would be this process's own clock
        return 0.0
    try:
        return time.clock_gettime(_cpu_clock(pid))
    except OSError:
        return 0.0


class CpuGovernor:
    """One invocation's CPU account, opened when the invoke is sent (``started_wall``, on
    ``time.perf_counter``): CPU the worker uses before the first look still counts. (Counting
    from the first look let a loaded machine, whose first look came late, run a 20 ms handler
    at 128 MB almost free.)"""

    def __init__(self, pid: int, share: float, started_wall: float) -> None:
        self.pid = pid
        self.share = share
        self.started_wall = started_wall
        self.started_cpu = cpu_seconds(pid)

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
