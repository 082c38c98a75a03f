"""Linux calls an execution environment is built from: namespaces, mounts, a new root.

Thin ctypes wrappers (Python has no ``mount`` or ``pivot_root``), each raising OSError with
the call and its arguments in the message, plus the two steps that use them:

- :func:`build_root` (once, in the template): a new root file system on a tmpfs with the
  host's system folders read-only, the interpreter at ``/var/lang``, the runtime packages,
  a few device nodes, and staging mounts of the Lab's code and layer folders under
  ``/var/task`` and ``/opt``; :func:`enter_root` (in each spare, before anyone waits): the
  environment's own ``/proc``, then ``chroot`` into it, so nothing else of the host is
  reachable.
- :func:`mount_spare` (in each spare, before anyone waits): a private ``/tmp`` of
  EphemeralStorage's default size; :func:`mount_function` (at the cold start): the
  function's own code over ``/var/task``, its merged layers over ``/opt`` (both read-only,
  covering the staging mounts), and ``/tmp`` resized to the function's EphemeralStorage.

Imported by the template process: standard library only.
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS = 38
DEVICES = ("null", "zero", "full", "random", "urandom")
SPARE_TMP_MB = 512  # the /tmp a spare mounts: limits.EPHEMERAL_DEFAULT_MB, most functions' size

_libc: ctypes.CDLL | None = None


def libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    _check(
        libc().mount(_bytes(source), _bytes(target), _bytes(fstype), flags, _bytes(data or None)),
        f"mount {source or fstype} on {target}",
    )


def unshare(flags: int) -> None:
    _check(libc().unshare(flags), f"unshare({flags:#x})")


def setns(fd: int, flags: int) -> None:
    _check(libc().setns(fd, flags), "setns")


def prctl(option: int, value: int) -> None:
    _check(libc().prctl(option, value, 0, 0, 0), f"prctl({option})")


def bind(source: str, target: str, *, read_only: bool = True, recursive: bool = False) -> None:
    """Bind ``source`` at ``target`` (made read-only, no setuid, no devices, when asked)."""
    mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))
    if read_only:
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV
        mount(None, target, None, flags | (MS_REC if recursive else 0))


def tmpfs(target: str, options: str, *, read_only: bool = False) -> None:
    flags = MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0)
    mount("tmpfs", target, "tmpfs", flags, options)


def _mkdirs(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


def _touch(path: str) -> None:
    _mkdirs(os.path.dirname(path))
    if not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o644))


def _expose(host_path: str, new_root: str, inside: str | None = None) -> None:
    """Make ``host_path`` appear at the same place (or at ``inside``) in the new root: a
    symbolic link stays a link (merged-/usr systems), a folder or file is bound read-only."""
    inside = inside or host_path
    target = new_root + inside
    if os.path.islink(host_path) and inside == host_path:
        _mkdirs(os.path.dirname(target))
        if not os.path.lexists(target):
            os.symlink(os.readlink(host_path), target)
        return
    if os.path.isdir(host_path):
        _mkdirs(target)
        bind(host_path, target, recursive=True)
    elif os.path.exists(host_path):
        _touch(target)
        bind(host_path, target)


def build_root(plan: dict, new_root: str) -> None:
    """Assemble AWS's root file system at ``new_root``: once, in the template's own mount
    namespace (whose mounts do not propagate back to the host). Every environment starts
    from a copy of it (:func:`enter_root`)."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    tmpfs(new_root, "size=1m,mode=755")
    for path in plan["host_paths"]:
        _expose(path, new_root)
    lang = plan["python_prefix"]
    _expose(lang, new_root, "/var/lang")
    if not lang.startswith("/usr/"):
        _expose(lang, new_root)  # the runtime's own modules keep their file names
    for hidden in plan["hidden_site_packages"]:  # the host's packages are not AWS's
        for place in (hidden, "/var/lang" + hidden[len(lang) :]):
            if os.path.isdir(new_root + place):
                tmpfs(new_root + place, "size=1m,mode=755")
    runtime_site = new_root + plan["runtime_site"]
    _mkdirs(new_root + "/var/runtime")
    for package in plan["runtime_packages"]:
        _expose(package, new_root, plan["runtime_site"] + "/" + os.path.basename(package))
    if plan["runtime_site"] != "/var/runtime":
        mount(None, runtime_site, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for name, source in (("/var/task", plan["code_dir"]), ("/opt", plan["opt_dir"])):
        _mkdirs(new_root + name)
        bind(source, new_root + name)  # staging: covered by the function's own at cold start
    for name in ("/tmp", "/proc", "/dev"):
        _mkdirs(new_root + name)
    _build_dev(new_root + "/dev")
    for name in plan["etc_files"]:  # /etc/passwd and /etc/group with the sandbox user
        _touch(new_root + "/etc/" + name)
        bind(os.path.join(plan["sandbox_dir"], name), new_root + "/etc/" + name)
    mount(None, new_root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def enter_root(new_root: str) -> None:
    """In a new environment (its own PID and mount namespaces, a copy of the template's
    mounts): its own /proc, then the root built by :func:`build_root` becomes "/".

    chroot rather than pivot_root: unmounting the old root would wait for the kernel (RCU)
    on every environment, and a process without privileges cannot leave a chroot: the
    runtime drops them before any user code runs, holding no folder outside it."""
    mount("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chroot(new_root)
    os.chdir("/")


def _build_dev(dev: str) -> None:
    tmpfs(dev, "size=64k,mode=755")
    for name in DEVICES:
        _touch(f"{dev}/{name}")
        mount(f"/dev/{name}", f"{dev}/{name}", None, MS_BIND)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"{dev}/{name}")
    mount(None, dev, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID)


def mount_spare(uid: int, gid: int) -> None:
    """In a spare, before anyone waits: the mount every environment has, whatever its
    function: a private ``/tmp`` of EphemeralStorage's default size (resized at the cold start
    if the function's differs). One mount fewer on the cold start's path. (Not ``/opt``: the
    function's layers are bound from under the staging mount there.)"""
    tmpfs("/tmp", f"size={SPARE_TMP_MB}m,mode=1777,uid={uid},gid={gid}")


def mount_function(code: str | None, opt: str | None, tmp_mb: int) -> None:
    """The cold start's own mounts, after :func:`mount_spare`: ``code`` and ``opt`` are paths
    under the staging mounts (``/var/task/<function>/<digest>``, ``/opt/<layers>``); ``opt``
    None means no layers."""
    if code:
        bind(code, "/var/task")
    if opt:
        bind(opt, "/opt")
    else:
        tmpfs("/opt", "size=4k,mode=755", read_only=True)
    if tmp_mb != SPARE_TMP_MB:  # (a remount keeps the other options: mode, owner)
        mount(None, "/tmp", None, MS_REMOUNT | MS_NOSUID | MS_NODEV, f"size={tmp_mb}m")


def drop_privileges(uid: int, gid: int, in_user_namespace: bool) -> None:
    """Become the unprivileged sandbox user for good: no way back to root, and setuid
    programs grant nothing (no_new_privs)."""
    if not in_user_namespace:  # a user namespace denies setgroups; it has no other groups
        os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if in_user_namespace:  # the namespace's creator keeps capabilities across setuid
        _clear_capabilities()
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def _clear_capabilities() -> None:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        ]

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two data structs
    data = (Data * 2)()
    _check(libc().capset(ctypes.byref(header), ctypes.byref(data)), "capset")
