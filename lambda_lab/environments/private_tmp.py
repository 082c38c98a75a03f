"""Give an execution environment its own /tmp, as each Lambda sandbox has.

Inside the freshly forked worker, before any user code runs: a private mount namespace
(with a user namespace when the Lab is not root) in which the environment's own folder is
bind-mounted over /tmp. Code that writes to a literal "/tmp/x" then sees only its own
files. Where the kernel or the container forbids namespaces (some JupyterHub and Binder
hosts do), the worker keeps TMPDIR pointing at its folder instead, and the caller is told.
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RDONLY = 1


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def enter_private_namespace() -> bool:
    """A new mount namespace whose mounts do not propagate back (done ahead, in a spare)."""
    try:
        libc = _libc()
        uid, gid = os.getuid(), os.getgid()
        flags = CLONE_NEWNS if os.geteuid() == 0 else CLONE_NEWNS | CLONE_NEWUSER
        if libc.unshare(flags) != 0:
            return False
        if flags & CLONE_NEWUSER:  # keep the same identity inside the new user namespace
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        return libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) == 0
    except (OSError, AttributeError):
        return False


def bind_tmp(folder: str) -> bool:
    """Mount ``folder`` over /tmp (inside the namespace entered above)."""
    try:
        return _libc().mount(folder.encode(), b"/tmp", None, MS_BIND, None) == 0
    except (OSError, AttributeError):
        return False


def hide(folder: str) -> bool:
    """Cover ``folder`` with an empty, read-only tmpfs: the other environments' /tmp folders
    live there, and this one's is already mounted at /tmp."""
    try:
        return _libc().mount(b"none", folder.encode(), b"tmpfs", MS_RDONLY, b"size=4k") == 0
    except (OSError, AttributeError):
        return False
