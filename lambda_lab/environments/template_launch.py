"""Starting a template process, and starting one before the Lab that will use it exists.

A template's boot (an interpreter, its imports, a first spare) takes tens of milliseconds.
In a fresh process, ``from lambda_lab import Lab`` calls :func:`start_early`: a template of
the Lab's own Python starts at once and imports what it needs while this process is still
importing the Lab (on another CPU), then waits for its sandbox plan. The first
:class:`~lambda_lab.environments.spawner.Spawner` of this process for that interpreter
adopts it (:func:`adopt`) and sends the plan as its first message; every later template is
started with its plan on the command line (:func:`launch`). A template nobody adopts within
a few seconds (``template.UNADOPTED_S``: the Lab came later, or never) ends, as it does when
this process ends; a Lab that comes later starts its own.

Kept light (no module of the Lab's): it runs before the rest of the Lab is imported.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

PLAN_LATER = "-"  # the plan argument of a template that receives its plan as a message
_PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The template starts with nothing from the user's environment (no AWS credentials, no
# AWS_PROFILE, no PYTHONPATH): each environment later gets exactly the variables AWS sets.
TEMPLATE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "TZ": "UTC",
    "PYTHONDONTWRITEBYTECODE": "1",
}

_early: tuple[int, str, subprocess.Popen[bytes], socket.socket] | None = None
_early_lock = threading.Lock()


def launch(python: str, plan: dict | None) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Start a template of ``python``; returns it and the Lab's end of its control socket.
    ``plan`` None: the template waits for its plan as the first message on that socket."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    code = (
        f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); "
        "from lambda_lab.environments.template import main; main(int(sys.argv[1]), sys.argv[2])"
    )
    try:
        # -S: no site-packages and none of their start-up hooks; a handler imports only
        # what AWS's runtime has (see runtime_layout.py).
        process = subprocess.Popen(
            [
                python,
                "-I",
                "-S",
                "-c",
                code,
                str(theirs.fileno()),
                PLAN_LATER if plan is None else json.dumps(plan),
            ],
            pass_fds=(theirs.fileno(),),
            env=TEMPLATE_ENV,
            stdin=subprocess.DEVNULL,
            close_fds=True,
            # Its own session: a signal to the caller's process group (a kernel killed, Ctrl-C)
            # does not reach it; it sees its socket close and ends every environment whole.
            start_new_session=True,
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    return process, ours


def start_early(python: str = sys.executable) -> None:
    """Start a template of ``python`` for the first Lab this process makes (once; quietly
    nothing when it cannot start: the Lab then starts its own and says why)."""
    global _early
    with _early_lock:
        if _early is not None:
            return
        try:
            process, control = launch(python, None)
        except OSError:
            return
        _early = (os.getpid(), python, process, control)


def adopt(python: str) -> tuple[subprocess.Popen[bytes], socket.socket] | None:
    """The template :func:`start_early` started, if it is of ``python``, still alive and
    this process's own (not a forked copy's); None otherwise. Taken once."""
    global _early
    with _early_lock:
        if _early is None or _early[1] != python:
            return None
        found, _early = _early, None
    pid, _, process, control = found
    if pid != os.getpid() or process.poll() is not None:
        control.close()  # (in a forked child: only this copy of the socket)
        return None
    return process, control
