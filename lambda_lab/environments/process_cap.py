"""The 1,024 processes-and-threads cap of an execution environment, with what the host allows.

In order of preference:

- a ``pids`` cgroup per environment with ``pids.max`` (root, cgroups writable): exact;
- ``RLIMIT_NPROC`` 1,024 in the worker: Linux counts all processes of the worker's user, so
  environments (and, for an ordinary user, the Lab itself) share it;
- as root without a sandbox, the worker first drops to 'nobody' (where 'nobody' can start
  Python): handlers never run as root, and without cgroups the limit applies at all (root
  ignores it);
- none of these: no cap, and :meth:`ProcessCap.describe` says so.
"""

from __future__ import annotations

import os
import stat
import sys

from lambda_lab import limits
from lambda_lab.environments.sandbox import SandboxPlan


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


class ProcessCap:
    """Decides once per Lab how environments are capped."""

    def __init__(self, plan: SandboxPlan | None = None) -> None:
        self.cgroups = bool(plan and "pids" in plan.cgroup_bases)
        self.sandboxed = bool(plan and plan.namespaces)
        # Root's own processes are exempt from RLIMIT_NPROC: a user namespace made by root
        # (LAMBDA_LAB_SANDBOX=userns, for tests) has no cap at all.
        self.enforced = self.cgroups or os.geteuid() != 0 or not self.sandboxed
        # Without a sandbox user, a Lab run as root runs handlers as 'nobody' (never as root,
        # as on AWS), whether or not a pids cgroup caps their processes.
        root_unsandboxed = os.geteuid() == 0 and not self.sandboxed
        self.drop_to_nobody = root_unsandboxed and nobody_can_run_python()

    def describe(self) -> str:
        if self.cgroups:
            return "pids cgroup per environment"
        if self.sandboxed:
            if not self.enforced:
                return "none (a user namespace made by root: RLIMIT_NPROC does not apply)"
            return "RLIMIT_NPROC of the sandbox user (shared by the Lab's environments)"
        if os.geteuid() != 0:
            return "RLIMIT_NPROC"
        if self.drop_to_nobody:
            return "RLIMIT_NPROC as user nobody"
        return "none (root without a writable pids cgroup)"

    def rlimits(self) -> dict[str, int]:
        """The limits a worker sets on itself."""
        found = {"RLIMIT_NOFILE": limits.FILE_DESCRIPTORS_MAX}
        if not self.cgroups:
            found["RLIMIT_NPROC"] = limits.PROCESSES_THREADS_MAX
        return found
