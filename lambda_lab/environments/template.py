"""The template process: a clean, single-threaded Python that forks execution environments.

A Jupyter kernel has threads, so it must never fork. The Lab starts this process once;
it imports the runtime up front and forks a new environment in about 2 ms on request.
Requests arrive on a Unix SOCK_SEQPACKET socket with the environment's own socket attached
(SCM_RIGHTS). Each environment gets its own session (so its children die with it), a
death signal if the template dies, a fresh environment block and a log file on fd 1/2.

Requests (JSON header frames, see protocol.py):
  {"op": "fork", ...config} + 1 fd  ->  {"pid": N}   (Python runtimes: serve invokes on the fd)
  {"op": "fork", "exec": path, ...}  ->  {"pid": N}   (custom runtimes: the child becomes `bootstrap`)
  {"op": "status", "pid": N}        ->  {"status": "exit status 1" | "signal: killed" | ...}
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import socket
import sys
import time

from lambda_lab.environments import bootstrap, protocol  # noqa: F401 - imported once, shared by forks
from lambda_lab.environments.private_tmp import bind_tmp, enter_private_namespace, hide

PR_SET_PDEATHSIG = 1
_IN_PRIVATE_NAMESPACE = False  # set in each spare: whether it could get its own mounts
MESSAGE_MAX = 1 << 16  # one control message; SOCK_SEQPACKET keeps message boundaries


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent ends (no orphans after a kernel restart)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the control socket's EOF still ends the template


def _drop_root() -> None:
    """Run user code as 'nobody' (when the Lab runs as root and Python is readable by all):
    the process limit then applies and a handler cannot read root's files."""
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (KeyError, ImportError):
        return
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


def describe_status(status: int) -> str:
    """The words AWS's platform uses for how a runtime process ended."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        names = {9: "killed", 11: "segmentation fault", 6: "aborted", 15: "terminated"}
        return f"signal: {names.get(number, signal.Signals(number).name.lower())}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _spare(link: socket.socket, control: socket.socket) -> None:
    """A child forked before anyone asked for it: it waits on ``link`` for its configuration.

    Forking and the first copy-on-write page faults happen here, off the cold start's
    path; the request then only pays for what is specific to the function.
    """
    control.close()
    os.setsid()
    _die_with_parent()
    global _IN_PRIVATE_NAMESPACE
    _IN_PRIVATE_NAMESPACE = enter_private_namespace()
    _prefault()
    try:
        message, fds, _, _ = socket.recv_fds(link, MESSAGE_MAX, 1)
    except OSError:
        os._exit(0)
    if not message:
        os._exit(0)  # the template is gone or retired this spare
    link.close()
    config, _ = protocol.parse(message)
    _child(config, socket.socket(fileno=fds[0]) if fds else None)


def _prefault() -> None:
    """Touch what every cold start touches (compiler, logging, json, environ) so that the
    pages they write are copied now, while nobody waits."""
    bootstrap._setup_logging()
    exec(
        compile("def lambda_handler(event, context):\n    return event\n", "<prefault>", "exec"), {}
    )
    json.loads(json.dumps({"key": [1, 2.5, "x", None, True]}))
    os.environ["LAMBDA_LAB_PREFAULT"] = "1"
    del os.environ["LAMBDA_LAB_PREFAULT"]


def _fork_spare(control: socket.socket) -> tuple[int, socket.socket]:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        ours.close()
        _spare(theirs, control)
    theirs.close()
    return pid, ours


def _child(config: dict, data_sock: socket.socket | None) -> None:
    log_fd = os.open(config["log_path"], os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # Unbuffered text streams: a print reaches the log even if the process is killed next.
    sys.stdout = open(
        1, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    sys.stderr = open(
        2, "w", buffering=1, encoding="utf-8", errors="backslashreplace", closefd=False
    )
    os.environ.clear()
    os.environ.update(config["environ"])
    time.tzset()
    if config.get("private_tmp") and _IN_PRIVATE_NAMESPACE and bind_tmp(config["private_tmp"]):
        os.environ["TMPDIR"] = "/tmp"  # the environment's own /tmp, as on AWS
        hide(os.path.dirname(os.path.dirname(config["private_tmp"])))
    if config.get("cgroup"):
        with open(os.path.join(config["cgroup"], "cgroup.procs"), "w") as handle:
            handle.write(str(os.getpid()))
    if config.get("drop_to_nobody"):
        _drop_root()
    for limit, value in config.get("rlimits", {}).items():
        kind = getattr(resource, limit)
        soft, hard = resource.getrlimit(kind)
        wanted = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (wanted, wanted))
    if config.get("exec"):
        _exec_bootstrap(config)
    code = 0
    try:
        bootstrap.serve(data_sock, config["handler"], config["task_root"])
    except SystemExit as exc:  # sys.exit() in user code ends the runtime process, as on AWS
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # the runtime itself failed: say so in the log, exit non-zero
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        os._exit(code)


def _exec_bootstrap(config: dict) -> None:
    """Become the function's own runtime (a custom runtime's ``bootstrap``), in its task root."""
    path = config["exec"]
    os.chdir(config["task_root"])
    for number in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores these; a shell script must not
        signal.signal(number, signal.SIG_DFL)
    try:
        os.execve(path, [path], dict(os.environ))  # as set up above (TMPDIR may now be /tmp)
    except OSError as exc:  # AWS's runtime says the same when bootstrap cannot start
        sys.stdout.write(f"fork/exec {path}: {(exc.strerror or str(exc)).lower()}\n")
        sys.stdout.flush()
        os._exit(1)


def main(control_fd: int) -> None:
    # No death signal here: Linux sends it when the *thread* that started this process ends,
    # and the Lab may start it from a short-lived thread (an HTTP request). The Lab's end
    # closes the control socket instead, which ends the loop below.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the Lab's to handle
    control = socket.socket(fileno=control_fd)
    statuses: dict[int, str] = {}
    spare: tuple[int, socket.socket] | None = _fork_spare(control)

    def reap(pid: int = -1, block: bool = False) -> None:
        while True:
            try:
                got, status = os.waitpid(pid, 0 if block else os.WNOHANG)
            except ChildProcessError:
                return
            if got == 0:
                return
            statuses[got] = describe_status(status)
            if len(statuses) > 10_000:
                statuses.pop(next(iter(statuses)))
            if pid != -1:
                return

    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MESSAGE_MAX, 1)
        except OSError:
            break
        if not message:
            break  # the Lab closed the control socket: it is gone
        request, _ = protocol.parse(message)
        if request["op"] == "fork":
            pid, link = spare if spare is not None else _fork_spare(control)
            try:
                socket.send_fds(link, [message], fds)
            except OSError:  # that spare died: make one now
                link.close()
                pid, link = _fork_spare(control)
                socket.send_fds(link, [message], fds)
            link.close()
            for fd in fds:
                os.close(fd)
            protocol.send(control, {"pid": pid})
            spare = _fork_spare(control)  # ready for the next cold start
        elif request["op"] == "status":
            pid = request["pid"]
            deadline = time.monotonic() + 2.0
            while pid not in statuses and time.monotonic() < deadline:
                reap()
                if pid not in statuses:
                    time.sleep(0.002)
            protocol.send(control, {"status": statuses.pop(pid, "unknown")})
        reap()
    # The Lab is gone: end every environment this template started.
    for pid in _children():
        for kill in (os.killpg, os.kill):  # a spare may not have its own group yet
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
    reap()


def _children() -> list[int]:
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


if __name__ == "__main__":
    main(int(sys.argv[1]))
