"""Waiting for child processes to end, woken by the kernel as they end (pidfds), and how AWS
words an ending (:func:`describe_status`).

``Popen.wait(timeout)`` and sleep-and-check loops poll: they notice an ending up to a
growing sleep late (``Popen.wait`` doubles its sleep up to 50 ms), which made every
``lab.close()`` return 10-25 ms after its template had ended. A pidfd becomes readable the
moment its process ends, so ``poll`` returns then. Used by the Lab's side (its template) and
by the template (the environments it kills): kept light, as the template loads little.
"""

from __future__ import annotations

import os
import select
import time


def await_ends(pids: list[int], seconds: float) -> bool:
    """Wait up to ``seconds`` for every one of ``pids`` (children of this process, not yet
    reaped: their pids are still theirs) to end; True when all have. Raises OSError where
    this kernel has no pidfds (callers then wait as they did before)."""
    opened: list[int] = []
    try:
        for pid in pids:
            try:
                opened.append(os.pidfd_open(pid))
            except ProcessLookupError:
                continue  # already reaped: ended
        poller = select.poll()
        for fd in opened:
            poller.register(fd, select.POLLIN)
        deadline = time.monotonic() + seconds
        waiting = len(opened)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for fd, _ in poller.poll(left * 1000):
                poller.unregister(fd)
                waiting -= 1
        return True
    finally:
        for fd in opened:
            os.close(fd)


# How Go (AWS's runtime supervisor is written in Go) names signals: "signal: alarm clock".
SIGNAL_WORDS = {
    1: "hangup", 2: "interrupt", 3: "quit", 4: "illegal instruction", 5: "trace/breakpoint trap",
    6: "aborted", 7: "bus error", 8: "floating point exception", 9: "killed",
    10: "user defined signal 1", 11: "segmentation fault", 12: "user defined signal 2",
    13: "broken pipe", 14: "alarm clock", 15: "terminated", 16: "stack fault",
    17: "child exited", 18: "continued", 19: "stopped (signal)", 20: "stopped",
    21: "stopped (tty input)", 22: "stopped (tty output)", 23: "urgent I/O condition",
    24: "CPU time limit exceeded", 25: "file size limit exceeded", 26: "virtual timer expired",
    27: "profiling timer expired", 28: "window changed", 29: "I/O possible",
    30: "power failure", 31: "bad system call",
}  # fmt: skip


def describe_status(status: int) -> str:
    """The words AWS's platform uses for how a runtime process ended."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        core = " (core dumped)" if os.WCOREDUMP(status) else ""
        return f"signal: {SIGNAL_WORDS.get(number, f'signal {number}')}{core}"
    return f"exit status {os.WEXITSTATUS(status)}"
