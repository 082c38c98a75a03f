"""The first process of an execution environment's PID namespace: its init.

Linux ends every process of a PID namespace when its init ends, so nothing a handler
starts (a ``setsid`` daemon, a double fork, a stopped child) can outlive its environment.
This init enters the environment's root file system, forks the runtime process, reaps
orphans, freezes and thaws the environment on the Lab's signal (SIGUSR1 / SIGUSR2: every
process but itself, as Lambda freezes a sandbox between invokes), and when the runtime
ends, writes its wait status to the template and ends too.

The runtime is not the init on purpose: an init ignores signals it has no handler for,
so a handler's unhandled SIGALRM would not end it as it ends AWS's runtime.
"""

from __future__ import annotations

import os
import signal
import socket
import struct

from lambda_lab import limits
from lambda_lab.environments import cgroups, mounts, worker_setup

PR_SET_PDEATHSIG = 1
STATUS = struct.Struct("i")
FREEZE_THAW = {signal.SIGUSR1: signal.SIGSTOP, signal.SIGUSR2: signal.SIGCONT}
WATCHED = {*FREEZE_THAW, signal.SIGCHLD}


def _signal_all(number: int) -> None:
    try:
        os.kill(-1, number)  # in a PID namespace: every process except its init
    except OSError:
        pass


def run(
    plan: dict,
    layout: dict,
    link: socket.socket,
    status_w: int,
    lab_cgroups: cgroups.LabCgroups | None = None,
    cgroup_name: str = "",
) -> None:
    """Be the environment's init. Never returns."""
    try:
        os.setsid()
        mounts.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the template (or holder) is gone
        if lab_cgroups is not None and cgroup_name:  # before anything runs: every process counts
            paths = lab_cgroups.create(cgroup_name, limits.PROCESSES_THREADS_MAX)
            lab_cgroups.join(paths, os.getpid())  # pids written there are read in our namespace
        mounts.unshare(mounts.CLONE_NEWNS | mounts.CLONE_NEWIPC | mounts.CLONE_NEWUTS)
        mounts.enter_root(os.path.join(plan["sandbox_dir"], "root"))
    except OSError as exc:
        os.write(2, f"lambda-lab: could not build an execution environment: {exc}\n".encode())
        os._exit(70)
    # Blocked before the fork, so a freeze sent at once waits for the loop below.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    worker = os.fork()
    if worker == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(status_w)
        os.setsid()  # its own process group: the Lab's CPU governor stops exactly it
        worker_setup.spare(plan, layout, link, in_sandbox=True)
    link.close()
    _serve(worker, status_w)


def _serve(worker: int, status_w: int) -> None:
    """Freeze, thaw and reap, one signal at a time, until the runtime ends.

    Signals are taken with sigwaitinfo, not handlers: a Python handler runs between bytecodes,
    so a thaw arriving between that check and the waitpid() call waited there until some
    process ended, and the environment stayed stopped: a trivial handler's next invoke
    timed out (seen once in CI). Two pending signals come lowest number first: a freeze
    before its thaw.
    """
    while True:
        number = signal.Signals(signal.sigwaitinfo(WATCHED).si_signo)
        if number in FREEZE_THAW:
            _signal_all(FREEZE_THAW[number])
            continue
        while True:  # one SIGCHLD may stand for several ended processes
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                os._exit(0)
            if pid == 0:
                break
            if pid == worker:
                try:
                    os.write(status_w, STATUS.pack(status))
                except OSError:
                    pass
                os._exit(0)


def hold(plan: dict, layout: dict, link: socket.socket, status_w: int) -> None:
    """Without root (in a user namespace) the template cannot make PID namespaces for its
    children directly: this small holder makes one, forks the init into it, tells the
    template the init's pid and waits. Killing the holder ends the environment."""
    mounts.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        mounts.unshare(mounts.CLONE_NEWPID)
    except OSError as exc:
        os.write(2, f"lambda-lab: could not make a PID namespace: {exc}\n".encode())
        os._exit(70)
    init = os.fork()
    if init == 0:
        run(plan, layout, link, status_w)
    os.write(status_w, STATUS.pack(init))
    link.close()
    os.close(status_w)
    while True:
        try:
            os.waitpid(init, 0)
        except ChildProcessError:
            pass
        os._exit(0)
