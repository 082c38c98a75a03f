"""Labs close with their Jupyter kernel: on shutdown or restart, before the kernel is killed.

A kernel shutdown or restart sets the IPython shell's ``exit_now`` first; only then does
ipykernel SIGTERM the processes it started, the Lab's template among them. A template ended
that way leaves what a frozen environment had started (a shell runtime's ``mktemp``,
``curl``) stopped forever; a Lab closed first ends its environments whole.
"""

from __future__ import annotations

import sys
from typing import Any

from lambda_lab.wiring.lifetime import close_open_labs

_watching_the_shell = False


def _on_exit_now(change: dict[str, Any]) -> None:
    if change["new"]:
        try:
            close_open_labs()
        except Exception:  # noqa: BLE001 - a failed close must not stop the kernel's shutdown
            pass  # the template still ends when the kernel's socket to it closes


def close_labs_with_the_kernel() -> None:
    """Under IPython (a Jupyter kernel), close the Labs as soon as the shell is told to exit.

    Registered once per process; outside IPython it does nothing (and imports nothing).
    """
    global _watching_the_shell
    ipython = sys.modules.get("IPython")  # not loaded: not a kernel, nothing to watch
    shell = ipython.get_ipython() if ipython is not None else None
    if _watching_the_shell or shell is None or not shell.has_trait("exit_now"):
        return
    shell.observe(_on_exit_now, names="exit_now")
    _watching_the_shell = True
