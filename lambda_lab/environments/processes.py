"""An execution environment's processes, as /proc shows them to the Lab (host pids)."""

from __future__ import annotations

import os

from lambda_lab import limits

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def statm_rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0  # it has just ended


def children(pid: int) -> list[int]:
    """Direct children of every thread of ``pid`` (a thread's children are listed under it)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as handle:
                found += [int(p) for p in handle.read().split()]
        except (OSError, ValueError):
            continue
    return found


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    pending = children(pid)
    while pending and len(found) < limits.PROCESSES_THREADS_MAX:
        current = pending.pop()
        found.append(current)
        pending += children(current)
    return found
