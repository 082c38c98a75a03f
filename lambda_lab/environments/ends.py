"""Waiting for child processes to end, woken by the kernel as they end (pidfds).

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
