"""The template process: a clean, single-threaded Python that forks execution environments.

A Jupyter kernel has threads, so it must never fork. The Lab starts this process once per
interpreter; it imports the runtime up front and forks a new environment in about 2 ms on
request. Requests arrive on a Unix SOCK_SEQPACKET socket with the environment's log file
and frame socket attached (SCM_RIGHTS).

Where the host allows namespaces (see :mod:`sandbox`), each environment is a PID namespace
whose init (:mod:`sandbox_init`) has built AWS's file system and forked the runtime
process, ahead of need: a "spare". Otherwise a spare is the runtime process itself. Either
way the request only pays for what is specific to the function (:mod:`worker_setup`).
This process is a child subreaper: whatever an environment leaves behind comes back to it,
and when the Lab goes away (its socket closes) it ends every process it started.

Requests (JSON header frames, see protocol.py):
  {"op": "fork", ...config} + fds  ->  {"pid": runtime, "sandbox": pid to kill, "init": ..,
                                        "cgroups": {controller: path}}
  {"op": "status", "pid": sandbox}  ->  {"status": "exit status 1" | "signal: killed" | ...}
  {"op": "refill"}                  ->  (no reply) make spares up to SPARES
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import struct
import sys
import time

from lambda_lab.environments import (  # noqa: F401 - imported once, shared by forks
    bootstrap,
    cgroups,
    ends,
    mounts,
    protocol,
    runtime_layout,
    sandbox_init,
    worker_setup,
)

PLAN_LATER = "-"  # template_launch.PLAN_LATER (not imported: this process loads little)
UNADOPTED_S = 5.0  # how long a template started ahead of its Lab waits for one
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1
MESSAGE_MAX = worker_setup.MESSAGE_MAX
READY_TIMEOUT_S = 10.0
# Spares kept ready: preparing a sandbox takes milliseconds (moving its init into its cgroups
# waits for the kernel), so with three, cold starts in a row still find one ready. They are
# made when the Lab says the cold start that used one has finished its first invoke
# ({"op": "refill"}, no reply): not during it, when on a small machine they would compete
# for the same CPUs. They are made at once, at the normal priority: a spare takes several
# milliseconds to prepare, more when the kernel makes its cgroup move wait, and one prepared
# late is one a cold start waits for. (Measured on a busy 2-core machine, in a loop of cold
# starts: serving a fork request already queued before the refill, or preparing spares at a
# lower priority, left two to three times as many cold starts waiting for their spare.)
SPARES = 3


class Spare:
    """An environment forked ahead of need, waiting for its configuration on ``link``.

    (A plain class: dataclasses would cost this process, and every runtime forked from
    it, an import of ``inspect`` and ``ast`` that AWS's runtime does not make.)"""

    def __init__(
        self,
        pid: int,
        link: socket.socket,
        status_r: int = -1,
        *,
        init: int = 0,
        cgroup_name: str = "",
        oom_base: int = 0,
    ) -> None:
        # What the Lab kills to end it: the init (root), its holder (user namespace), or the worker.
        self.pid = pid
        self.link = link
        self.status_r = status_r  # the init writes the runtime's wait status here
        self.init = init
        self.worker = 0  # the runtime process's pid, once its "ready" message was read
        self.cgroups: dict[str, str] = {}
        self.cgroup_name = cgroup_name
        self.oom_base = oom_base  # OOM kills counted in its (reused) memory cgroup before it


class Template:
    def __init__(self, control: socket.socket, plan: dict) -> None:
        self.control = control
        self.plan = plan
        self.layout = runtime_layout.python_layout()
        self.sandboxed = plan["isolation"] == "namespaces"
        self.userns = self.sandboxed and plan["user_namespace"]
        self.statuses: dict[int, str] = {}
        self.status_pipes: dict[int, int] = {}
        self.cgroups = (
            cgroups.LabCgroups(plan["cgroup_bases"], plan["lab_folder"])
            if plan.get("cgroup_bases") and plan.get("lab_folder")
            else None
        )
        self.recycler = cgroups.Recycler(self.cgroups) if self.cgroups is not None else None
        self.own_pid_namespace = -1
        self.memory_limits: dict[tuple[str, int], int] = {}  # last written, per folder
        if self.userns:
            from lambda_lab.environments.sandbox_probe import enter_user_namespace

            enter_user_namespace(plan["uid"], plan["gid"])
        elif self.sandboxed:
            self.own_pid_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        if self.sandboxed:  # AWS's file system, built once; each environment gets a copy
            mounts.unshare(mounts.CLONE_NEWNS)
            mounts.build_root({**plan, **self.layout}, os.path.join(plan["sandbox_dir"], "root"))

    # -- spares ---------------------------------------------------------------------------
    def fork_spare(self) -> Spare:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        if not self.sandboxed:
            pid = os.fork()
            if pid == 0:
                self._in_child(ours)
                os.setsid()
                mounts.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                worker_setup.spare(self.plan, self.layout, theirs, in_sandbox=False)
            theirs.close()
            return self._with_cgroups(Spare(pid, ours, init=pid))
        status_r, status_w = os.pipe()
        name, oom_base = self.recycler.take() if self.recycler and not self.userns else ("", 0)
        if not self.userns:
            mounts.unshare(mounts.CLONE_NEWPID)  # the next child is PID 1 of a new namespace
        pid = os.fork()
        if pid == 0:
            self._in_child(ours)
            os.close(status_r)
            if self.userns:
                sandbox_init.hold(self.plan, self.layout, theirs, status_w)
            sandbox_init.run(self.plan, self.layout, theirs, status_w, self.cgroups, name)
        if not self.userns:
            mounts.setns(self.own_pid_namespace, mounts.CLONE_NEWPID)
        theirs.close()
        os.close(status_w)
        spare = Spare(pid, ours, status_r, init=pid, cgroup_name=name, oom_base=oom_base)
        if self.userns:
            raw = os.read(status_r, sandbox_init.STATUS.size)
            spare.init = sandbox_init.STATUS.unpack(raw)[0] if len(raw) == 4 else pid
        elif self.cgroups is not None and name:  # the init makes (or reuses) and joins them
            spare.cgroups = self.cgroups.paths(name)
        self.status_pipes[pid] = status_r
        return spare

    def _in_child(self, ours: socket.socket) -> None:
        """In a new child: drop every descriptor of the template's (an environment must
        reach nothing of the Lab's)."""
        self.control.close()
        ours.close()
        for fd in [*self.status_pipes.values(), self.own_pid_namespace]:
            if fd >= 0:
                os.close(fd)
        self.status_pipes = {}

    def _as_if_forked_now(self, *pids: int) -> None:
        """A cold start takes this spare: its processes run on the CPUs this process may use
        now, as a fork made now would (a spare made before someone pinned the template would
        otherwise run anywhere). A worker its init forks from now on inherits them."""
        cpus = os.sched_getaffinity(0)
        for pid in pids:
            try:
                if cpus != os.sched_getaffinity(pid):
                    os.sched_setaffinity(pid, cpus)
            except OSError:
                pass  # it has ended: the cold start reports how

    def _with_cgroups(self, spare: Spare) -> Spare:
        """Without a sandbox: the template puts the waiting worker in its cgroups itself."""
        if self.cgroups is not None and self.recycler is not None:
            name, spare.oom_base = self.recycler.take()
            try:
                spare.cgroups = self.cgroups.create(name, 1024)
                spare.cgroup_name = name
                self.cgroups.join(spare.cgroups, spare.pid)
            except OSError:
                self.recycler.give_back(name)
                spare.cgroups = {}
        return spare

    def _worker_pid(self, spare: Spare) -> int:
        """The runtime process's pid as this process sees it, from its "ready" message."""
        if spare.worker:
            return spare.worker
        spare.link.settimeout(READY_TIMEOUT_S)
        size = socket.CMSG_SPACE(struct.calcsize("iII"))
        message, ancillary, _, _ = spare.link.recvmsg(16, size)
        spare.link.settimeout(None)
        if not self.sandboxed and message:  # (its pid is the one this process forked)
            spare.worker = spare.pid
            return spare.worker
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and message:
                spare.worker = int(struct.unpack("iII", data[:12])[0])
                return spare.worker
        raise OSError("the environment ended before it was ready")

    def _limit_memory(self, spare: Spare, limit: int) -> None:
        """Set the environment's memory limit, unless its (reused) folder has it already: the
        write costs ~0.1 ms on the cold start's path, and only this process writes there. The
        folder's inode is part of the key: a folder removed and made again has no limit."""
        try:
            folder = (spare.cgroup_name, os.stat(spare.cgroups["memory"]).st_ino)
        except (KeyError, OSError):
            folder = None
        if folder is not None:
            if self.memory_limits.get(folder) == limit:
                return
            self.memory_limits.pop(folder, None)  # (unknown if the write fails)
        cgroups.LabCgroups.limit_memory(spare.cgroups, limit)
        if folder is not None:
            self.memory_limits[folder] = limit

    def discard(self, spare: Spare) -> None:
        spare.link.close()
        if self.recycler is not None and spare.cgroup_name:
            self.recycler.give_back(spare.cgroup_name)  # (free again once its processes are gone)
        for kill in (os.killpg, os.kill):
            try:
                kill(spare.pid, signal.SIGKILL)
            except OSError:
                pass

    # -- requests ---------------------------------------------------------------------------
    def handle_fork(
        self, spares: list[Spare], message: bytes, fds: list[int], request: dict
    ) -> None:
        """Hand the oldest spare its configuration; reply; make new spares."""
        problem, chosen, worker = "", None, 0
        try:
            for _ in range(3):  # a spare that died waiting is replaced
                spare = spares.pop(0) if spares else self.fork_spare()
                try:
                    self._as_if_forked_now(spare.init)  # (before waiting for it to be ready)
                    worker = self._worker_pid(spare)
                    if worker != spare.init:
                        self._as_if_forked_now(worker)
                    if spare.cgroups and request.get("memory_limit"):
                        self._limit_memory(spare, int(request["memory_limit"]))
                    socket.send_fds(spare.link, [message], fds)
                    chosen = spare
                    break
                except OSError as exc:
                    problem = str(exc)
                    self.discard(spare)
        finally:
            # Before the next fork: no other environment may inherit this one's log or socket.
            for fd in fds:
                os.close(fd)
        if chosen is None:
            protocol.send(self.control, {"error": f"no environment could start: {problem}"})
        else:
            chosen.link.close()
            reply = {
                "pid": worker,
                "sandbox": chosen.pid,
                "init": chosen.init,
                "cgroups": chosen.cgroups,
                "oom_base": chosen.oom_base,
            }
            protocol.send(self.control, reply)

    def status(self, pid: int) -> str:
        deadline = time.monotonic() + 2.0
        while pid not in self.statuses and time.monotonic() < deadline:
            self.reap()
            if pid not in self.statuses:
                time.sleep(0.002)
        return self.statuses.pop(pid, "unknown")

    def reap(self) -> None:
        while True:
            try:
                got, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if got == 0:
                return
            described = ends.describe_status(status)
            pipe = self.status_pipes.pop(got, -1)
            if pipe >= 0:  # the runtime's own ending, as its init reported it
                try:
                    os.set_blocking(pipe, False)
                    raw = os.read(pipe, sandbox_init.STATUS.size)
                    if len(raw) == sandbox_init.STATUS.size:
                        described = ends.describe_status(sandbox_init.STATUS.unpack(raw)[0])
                except OSError:
                    pass
                os.close(pipe)
            self.statuses[got] = described
            if len(self.statuses) > 10_000:
                self.statuses.pop(next(iter(self.statuses)))

    def end_everything(self) -> None:
        """The Lab is gone: end every process this template started, and what those left."""
        for _ in range(50):  # an ended parent hands its children to this subreaper: repeat
            children = _children()
            if not children:
                break
            for pid in children:
                for kill in (os.killpg, os.kill):  # a spare may not have its own group yet
                    try:
                        kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            try:  # (woken as they end, not after a fixed sleep)
                ends.await_ends(children, 0.005)
            except OSError:
                time.sleep(0.005)
            self.reap()
        self.reap()
        if self.cgroups is not None:
            self.cgroups.remove_all()


def _children() -> list[int]:
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def main(control_fd: int, plan_json: str) -> None:
    # No death signal here: Linux sends it when the *thread* that started this process ends,
    # and the Lab may start it from a short-lived thread (an HTTP request). The Lab's end
    # closes the control socket instead, which ends the loop below.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the Lab's to handle
    mounts.prctl(PR_SET_CHILD_SUBREAPER, 1)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # one status pipe per environment
    control = socket.socket(fileno=control_fd)
    if plan_json == PLAN_LATER:  # started ahead of its Lab (template_launch): the plan comes
        control.settimeout(UNADOPTED_S)
        try:
            message = control.recv(MESSAGE_MAX)
        except OSError:  # (a timeout too)
            message = b""
        if not message:
            return  # no Lab adopted it in time, or this process is ending
        control.settimeout(None)
        plan, _ = protocol.parse(message)
    else:
        plan = json.loads(plan_json)
    template = Template(control, plan)
    bootstrap.settle_template_imports()  # (after Template(), whose set-up may import)
    spares = [template.fork_spare()]
    try:  # ready once the first spare waits: the Lab's first cold start pays none of this
        template._worker_pid(spares[0])
    except OSError:
        template.discard(spares.pop())
    try:
        protocol.send(control, {"ready": True})
    except OSError:
        pass  # the Lab is already gone: the loop below sees it and ends everything
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MESSAGE_MAX, 2)
        except OSError:
            break
        if not message:
            break  # the Lab closed the control socket: it is gone
        request, _ = protocol.parse(message)
        if request["op"] == "fork":
            template.handle_fork(spares, message, fds, request)
        elif request["op"] == "status":
            protocol.send(control, {"status": template.status(request["pid"])})
        elif request["op"] == "refill":
            while len(spares) < SPARES:
                spares.append(template.fork_spare())
        template.reap()
    for spare in spares:
        template.discard(spare)
    template.end_everything()
    # Nothing of this process's own is left to tidy: ending here, not through the
    # interpreter's teardown (5-10 ms of freeing modules), lets the Lab's close() return sooner.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
