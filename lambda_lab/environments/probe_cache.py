"""The sandbox probe's answer, remembered per machine between processes.

Probing the host's namespaces runs a throwaway Python that builds a test environment
(50-200 ms, at every first ``Lab()`` of a process). Its answer only changes when what it
depends on changes, so it is kept in a small file of the user's cache folder, under a key
made of exactly that: the kernel's boot, the user, the container (namespace inodes,
capabilities, seccomp, the user-namespace switches), the interpreter and the Lab's own
sandbox code, and what the probe was asked to mount. A changed key, or an answer older
than ``MAX_AGE_S``, probes again. Only definite answers are kept (a probe that could not
run at all is retried by the next process).

The files live beside the Labs' own folders (``/var/tmp/lambda-lab.cache-<uid>``, never
under the user's home, which the Lab does not read); they are kept only in a folder this
user owns that no one else can write (0700, not a link), as files of mode 0600, one file an
answer (:func:`entry_path`: a machine where many installations and folders ran Labs that
day still reads one small file). Where that is not possible nothing is kept and every
process probes, as before.

:func:`recall_entry` and :func:`remember_entry` keep other answers of the same kind, each
kind under a name of its own (the interpreters found for each runtime: interpreters.py; the
parts of botocore's Lambda model the Lab reads: api/lambda_model.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import time

MAX_AGE_S = 24 * 3600.0
FILE_NAME = "sandbox-probe.json"
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SANDBOX_CODE = ("mounts.py", "sandbox_probe.py", "runtime_layout.py", "sandbox.py")
_SWITCHES = (
    "/proc/sys/user/max_user_namespaces",
    "/proc/sys/kernel/unprivileged_userns_clone",
    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
    "/proc/sys/kernel/random/boot_id",
)
_STATUS_FIELDS = ("Seccomp", "NoNewPrivs", "CapEff", "CapBnd")


def cache_dir(base: str) -> str:
    """The user's cache folder under ``base`` (where Labs keep their folders). Its name has
    no dash after "lambda-lab": the clean-up of stale Lab folders never matches it."""
    return os.path.join(base, f"lambda-lab.cache-{os.geteuid()}")


def _own_folder(folder: str) -> bool:
    """Is ``folder`` a real folder of this user's that no one else can write?"""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def file_identity(path: str) -> list[int]:
    """Inode, size and modification time (empty when the file is not there): a key part."""
    return _stat(path)


def _stat(path: str) -> list[int]:
    try:
        info = os.stat(path)
    except OSError:
        return []
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def key(python: str, request: dict) -> str:
    """What the probe's answer depends on, as one digest."""
    status = {
        line.split(":", 1)[0]: line.split(":", 1)[1].strip()
        for line in _read("/proc/self/status").splitlines()
        if line.split(":", 1)[0] in _STATUS_FIELDS
    }
    namespaces = {}
    for kind in ("user", "pid", "mnt", "cgroup"):
        try:
            namespaces[kind] = os.stat(f"/proc/self/ns/{kind}").st_ino
        except OSError:
            namespaces[kind] = 0
    facts = {
        "ids": [os.getuid(), os.geteuid(), os.getgid()],
        "switches": [_read(path) for path in _SWITCHES],
        "status": status,
        "namespaces": namespaces,
        "python": [python, *_stat(python)],
        "code": [_stat(os.path.join(_PACKAGE_DIR, name)) for name in _SANDBOX_CODE],
        "request": request,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def entry_path(base: str, digest: str, file_name: str = FILE_NAME) -> str:
    """The file that keeps the entry ``digest`` of the kind ``file_name`` ("kind.json" ->
    "kind.<hash of digest>.json"): one file an entry, so a process reads only its own entry,
    however many other installations, folders or versions ran a Lab that day."""
    stem = file_name.removesuffix(".json")
    name = hashlib.sha256(digest.encode()).hexdigest()[:32]
    return os.path.join(cache_dir(base), f"{stem}.{name}.json")


def _read_entry(path: str) -> dict | None:
    """The entry in ``path``, if the file is this user's own and no one else can write it."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor) as handle:
            info = os.fstat(handle.fileno())
            if info.st_uid != os.geteuid() or info.st_mode & 0o077:
                return None
            entry = json.load(handle)
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) else None


def recall_entry(base: str, digest: str, file_name: str = FILE_NAME) -> dict | None:
    """The entry kept under ``digest`` for ``file_name`` in ``base``'s cache folder, unless
    it is too old."""
    if not _own_folder(cache_dir(base)):
        return None
    entry = _read_entry(entry_path(base, digest, file_name))
    if entry is None:
        return None
    if not 0 <= time.time() - float(entry.get("at", 0)) < MAX_AGE_S:
        return None
    return entry


def remember_entry(base: str, digest: str, entry: dict, file_name: str = FILE_NAME) -> None:
    """Keep an entry (best effort: where the folder cannot be made safely, nothing is kept).
    Files of the same kind older than ``MAX_AGE_S`` go at the same time."""
    folder = cache_dir(base)
    try:
        os.mkdir(folder, 0o700)
    except OSError:
        pass  # there already (checked next), or not possible here
    if not _own_folder(folder):
        return
    now = time.time()
    _remove_stale(folder, file_name.removesuffix(".json") + ".", now)
    path = entry_path(base, digest, file_name)
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}")
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
        with os.fdopen(os.open(temporary, flags, 0o600), "w") as handle:
            json.dump({**entry, "at": now}, handle)
        os.replace(temporary, path)  # whole, whoever else writes
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _remove_stale(folder: str, prefix: str, now: float) -> None:
    """Remove the files of one kind (``prefix``: "kind.") last written more than
    ``MAX_AGE_S`` ago: every entry they hold is too old to be used (this includes the one
    file of all entries earlier versions kept)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        path = os.path.join(folder, name)
        try:
            if now - os.lstat(path).st_mtime >= MAX_AGE_S:
                os.unlink(path)
        except OSError:
            pass  # removed by another process meanwhile


def recall(base: str, digest: str) -> tuple[str, str] | None:
    """The sandbox answer kept under ``digest`` in ``base``'s cache folder, unless too old."""
    entry = recall_entry(base, digest)
    if entry is None:
        return None
    isolation, reason = entry.get("isolation"), entry.get("reason", "")
    if not isinstance(isolation, str) or not isinstance(reason, str):
        return None
    return isolation, reason


def remember(base: str, digest: str, answer: tuple[str, str]) -> None:
    """Keep a sandbox answer (best effort, see :func:`remember_entry`)."""
    remember_entry(base, digest, {"isolation": answer[0], "reason": answer[1]})
