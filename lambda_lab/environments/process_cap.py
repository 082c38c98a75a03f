"""The 1,024 processes-and-threads cap of an execution environment, with what the host allows.

Linux's RLIMIT_NPROC does the job for an ordinary user, but it counts all of that user's
processes and root ignores it. So, in order of preference:

- not root: RLIMIT_NPROC (set by the template in the worker);
- root, with an interpreter that 'nobody' can read: the worker drops to 'nobody' first;
- root otherwise: a cgroup (v1 ``pids`` or v2) per environment with ``pids.max``;
- none of these: no cap, and :func:`describe` says so.
"""

from __future__ import annotations

import os
import stat
import sys

from lambda_lab import limits

_CGROUP_ROOTS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")


def nobody_can_run_python() -> bool:
    """True when every folder from / to the standard library is open to other users."""
    path = os.path.dirname(os.__file__)
    while True:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return os.access(sys.executable, os.X_OK) and bool(
                os.stat(sys.executable).st_mode & stat.S_IXOTH
            )
        path = parent


def _cgroup_base() -> str | None:
    if os.geteuid() != 0:
        return None
    for root in _CGROUP_ROOTS:
        if os.path.exists(os.path.join(root, "pids.max")) or os.path.exists(
            os.path.join(root, "cgroup.procs")
        ):
            candidate = os.path.join(root, "lambda-lab")
            try:
                os.makedirs(candidate, exist_ok=True)
            except OSError:
                continue
            if os.path.exists(os.path.join(candidate, "pids.max")):
                return candidate
    return None


class ProcessCap:
    """Decides once per Lab how environments are capped; makes and removes cgroups."""

    def __init__(self) -> None:
        self.drop_to_nobody = os.geteuid() == 0 and nobody_can_run_python()
        self.cgroup_base = None if (os.geteuid() != 0 or self.drop_to_nobody) else _cgroup_base()

    def describe(self) -> str:
        if os.geteuid() != 0:
            return "RLIMIT_NPROC"
        if self.drop_to_nobody:
            return "RLIMIT_NPROC as user nobody"
        if self.cgroup_base:
            return f"pids cgroup under {self.cgroup_base}"
        return "none (root without a writable pids cgroup)"

    def cgroup_for(self, env_id: str) -> str | None:
        """A fresh cgroup for one environment, or None when cgroups are not the mechanism."""
        if self.cgroup_base is None:
            return None
        path = os.path.join(self.cgroup_base, env_id)
        try:
            os.mkdir(path)
            with open(os.path.join(path, "pids.max"), "w") as handle:
                handle.write(str(limits.PROCESSES_THREADS_MAX))
        except OSError:
            return None
        return path

    @staticmethod
    def remove(path: str | None) -> None:
        if path:
            try:
                os.rmdir(path)  # succeeds once the environment's processes are gone
            except OSError:
                pass
