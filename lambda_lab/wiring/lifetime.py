"""A Lab's lifetime in this process: where its files live, which Labs are open, how one ends.

Each Lab keeps its functions' code and its environments' folders in a run folder of its own
(``lambda-lab-<pid>-...``); a kernel killed before ``close()`` leaves one behind, removed by
the next Lab. The process keeps weak references to its open Labs, so that notebook magics
find the Lab a notebook uses and a kernel shutdown closes them all (``notebook/kernel.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_lab.clock import Clock, RealClock, VirtualClock

if TYPE_CHECKING:
    from lambda_lab.environments.pool import EnvironmentPool
    from lambda_lab.environments.spawner import Spawner
    from lambda_lab.lab import Lab


# -- the run folder --------------------------------------------------------------------------
def run_base_dir() -> str:
    """Where Labs keep their files: outside /tmp when possible, because each environment
    gets its own private /tmp mounted over the real one (and would not see the code)."""
    for candidate in (os.environ.get("LAMBDA_LAB_RUN_DIR", ""), "/var/tmp"):
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    return tempfile.gettempdir()


def remove_stale_labs(base: str) -> int:
    """Remove the folders of Labs whose process is gone (a kernel killed before close())."""
    removed = 0
    try:
        names = os.listdir(base)
    except OSError:
        return 0
    # glob's "lambda-lab-*-*" without glob (whose pattern compiling costs every first Lab())
    for name in names:
        if not name.startswith("lambda-lab-") or "-" not in name[len("lambda-lab-") :]:
            continue
        path = os.path.join(base, name)
        pid_text = name.split("-")[2]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
        except PermissionError:
            continue  # alive, and someone else's
    return removed


def new_run_folder() -> str:
    """A fresh run folder for one Lab (stale ones removed first)."""
    base = run_base_dir()
    remove_stale_labs(base)
    root_dir = tempfile.mkdtemp(prefix=f"lambda-lab-{os.getpid()}-", dir=base)
    os.chmod(root_dir, 0o711)  # workers may run as 'nobody': they must reach their code
    return root_dir


# -- the open Labs of this process -----------------------------------------------------------
_open_labs: list[weakref.ref[Lab]] = []


def register(lab: Lab) -> None:
    """Count ``lab`` among this process's Labs (weakly: a forgotten Lab can still go)."""
    _open_labs[:] = [ref for ref in _open_labs if ref() is not None] + [weakref.ref(lab)]


def latest_open() -> Lab | None:
    """The most recently created Lab that is still open, if any."""
    for ref in reversed(_open_labs):
        lab = ref()
        if lab is not None and not lab.closed:
            return lab
    return None


def closed_labs_alive() -> int:
    """How many Labs of this process are closed but still referenced (a notebook's ``lab``
    after its clean-up step)."""
    return sum(1 for ref in _open_labs if (lab := ref()) is not None and lab.closed)


def close_open_labs() -> int:
    """Close every Lab of this process that is still open; how many there were."""
    labs = [lab for ref in _open_labs if (lab := ref()) is not None and not lab.closed]
    for lab in labs:
        lab.close()
    return len(labs)


# -- making and ending -----------------------------------------------------------------------
def make_clock(clock: str | Clock) -> Clock:
    """The clock a Lab was asked for: ``"real"``, ``"virtual"`` or a Clock of the caller's."""
    if isinstance(clock, Clock):
        return clock
    if clock == "real":
        return RealClock()
    if clock == "virtual":
        return VirtualClock()
    raise ValueError(f"clock must be 'real', 'virtual' or a Clock (got {clock!r})")


def run_callbacks(callbacks: list[Callable[[], Any]]) -> None:
    """Run what was registered with ``Lab.on_close``; one failing never stops the rest."""
    while callbacks:
        try:
            callbacks.pop(0)()
        except Exception:  # noqa: BLE001 - closing must finish whatever one step does
            pass


def cleanup(
    spawner: Spawner,
    pool: EnvironmentPool,
    clock: Clock,
    root_dir: str,
    closers: tuple[Callable[[], None], ...] = (),
) -> None:
    """Everything a Lab started, ended in order (its finalizer: ``close()`` or exit)."""
    for close in closers:  # background threads and the services endpoint first
        close()
    pool.close()
    spawner.close()
    clock.close()
    shutil.rmtree(root_dir, ignore_errors=True)
