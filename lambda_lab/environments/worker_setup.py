"""Inside a new execution environment, before any user code: from a spare to a ready runtime.

A spare worker is forked ahead of need (in a sandbox it mounts its private /tmp then) and
waits on its link for a configuration. When one arrives (with the log file and the Lab's
frame socket attached), it mounts the function's code and layers and sizes /tmp, takes
AWS's environment variables, drops to the unprivileged sandbox user, sets the limits,
narrows the import path to what AWS's runtime has, and then serves invokes (or becomes a
custom runtime's ``bootstrap``).
Runs in the template's forked children: standard library and the runtime modules only.
"""

from __future__ import annotations

import fcntl
import os
import resource
import signal
import socket
import sys
import time

from lambda_lab.environments import bootstrap, mounts, protocol, runtime_layout

MESSAGE_MAX = protocol.MESSAGE_MAX
SAVED_FD_MIN = 100  # where the runtime keeps its own copy of the log (see bootstrap)
PREFAULT_VARIABLES = 48  # a little more than AWS sets with a few of the function's own


def prefault() -> None:
    """Touch what every cold start touches (compiler, logging, json, environ, one invoke's own
    work) so that the pages they write are copied now, while nobody waits. Only what costs the
    spare less than it saves the cold start: a spare prepared late is one a cold start waits for.
    (Walking the import system once here cost the spare more than it saved the handler's import.)"""
    bootstrap._setup_logging()
    namespace: dict = {}
    source = "def lambda_handler(event, context):\n    return event\n"
    exec(compile(source, "<prefault>", "exec"), namespace)
    # One invoke's own work (decode, context, encode, reply header), as the first one does it.
    header = {"id": "prefault", "deadline": 0, "arn": "", "trace": ""}
    bootstrap.run_invoke(namespace["lambda_handler"], header, b'{"key": [1, 2.5, "x", null, true]}')
    del bootstrap._request_filter.request_id  # (back to the class's "": no request yet)
    # The cold start replaces the whole environment (about 40 variables): growing the
    # environment's tables and allocating its strings once here copies their pages now.
    names = [f"LAMBDA_LAB_PREFAULT_{n}" for n in range(PREFAULT_VARIABLES)]
    os.environ.update(dict.fromkeys(names, "x" * 64))
    for name in names:
        del os.environ[name]


def spare(plan: dict, layout: dict, link: socket.socket, in_sandbox: bool) -> None:
    """Wait on ``link`` for a configuration, then become that environment. Never returns."""
    if in_sandbox:
        try:
            mounts.mount_spare(plan["uid"], plan["gid"])
        except OSError as failed:  # never unwind into the template's code, forked here
            os.write(
                2, f"lambda-lab: a spare environment could not mount /tmp: {failed}\n".encode()
            )
            os._exit(70)
    prefault()
    bootstrap.prepare_imports()
    try:  # (in a sandbox the template also learns this process's pid from the message)
        link.send(b"ready")
    except OSError:
        os._exit(0)
    try:
        message, fds, _, _ = socket.recv_fds(link, MESSAGE_MAX, 2)
    except OSError:
        os._exit(0)
    if not message:
        os._exit(0)  # the template is gone or retired this spare
    link.close()
    config, _ = protocol.parse(message)
    data = socket.socket(fileno=fds[1]) if len(fds) > 1 else None
    _become(plan, layout, config, fds[0], data, in_sandbox)


def _streams(log_fd: int) -> None:
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    saved = fcntl.fcntl(log_fd, fcntl.F_DUPFD_CLOEXEC, SAVED_FD_MIN)
    os.close(log_fd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    bootstrap.keep_log(saved)  # the runtime restores fds 1 and 2 from it if a handler closes them


def _become(
    plan: dict,
    layout: dict,
    config: dict,
    log_fd: int,
    data: socket.socket | None,
    in_sandbox: bool,
) -> None:
    _streams(log_fd)
    os.environ.clear()
    os.environ.update(config["environ"])
    time.tzset()
    task_root = config["task_root"]
    if in_sandbox:
        code = "/var/task/" + os.path.relpath(task_root, plan["code_dir"])
        opt = config.get("opt_dir")
        opt_inside = "/opt/" + os.path.relpath(opt, plan["opt_dir"]) if opt else None
        mounts.mount_function(code, opt_inside, config["ephemeral_mb"])
        task_root = runtime_layout.TASK_ROOT
        mounts.drop_privileges(plan["uid"], plan["gid"], plan["user_namespace"])
    elif config.get("drop_to_nobody"):
        _drop_to_nobody()
    for limit, value in config.get("rlimits", {}).items():
        kind = getattr(resource, limit)
        _, hard = resource.getrlimit(kind)
        wanted = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (wanted, wanted))
    if config.get("exec"):
        _exec_bootstrap(os.path.join(task_root, os.path.basename(config["exec"])), task_root)
    search_path = runtime_layout.search_path(
        layout,
        config["runtime"],
        namespaces=in_sandbox,
        task_root=task_root,
        opt_root=config.get("opt_dir"),
        runtime_dir=os.path.join(os.path.dirname(plan["code_dir"]), "runtime"),
    )
    if in_sandbox:
        sys.executable = runtime_layout.executable(layout)
        bootstrap.show_runtime_at(layout["python_prefix"], runtime_layout.LANG)
    code = 0
    try:
        bootstrap.serve(data, config["handler"], task_root, search_path)
    except SystemExit as exc:  # sys.exit() in user code ends the runtime process, as on AWS
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # the runtime itself failed: say so in the log, exit non-zero
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        os._exit(code)


def _drop_to_nobody() -> None:
    """Without a sandbox, as root: run user code as 'nobody' (the process cap then applies
    and a handler cannot read root's files)."""
    try:
        import pwd

        nobody = pwd.getpwnam("nobody")
    except (KeyError, ImportError):
        return
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)


def _exec_bootstrap(path: str, task_root: str) -> None:
    """Become the function's own runtime (a custom runtime's ``bootstrap``), in its task root."""
    os.chdir(task_root)
    for number in (signal.SIGPIPE, signal.SIGXFSZ):  # Python ignores these; a shell script must not
        signal.signal(number, signal.SIG_DFL)
    try:
        os.execve(path, [path], dict(os.environ))
    except OSError as exc:  # AWS's runtime says the same when bootstrap cannot start
        shown = f"{runtime_layout.TASK_ROOT}/{os.path.basename(path)}"
        sys.stdout.write(f"fork/exec {shown}: {(exc.strerror or str(exc)).lower()}\n")
        sys.stdout.flush()
        os._exit(1)
