"""Control groups for execution environments: the process cap and the memory of everything.

Where the Lab may write the host's cgroup folders (it runs as root and the folders are
there), each environment gets one cgroup per controller: ``pids`` (``pids.max`` 1,024, the
processes-and-threads quota) and ``memory`` (every process the function starts is charged
to it, so Max Memory Used and the memory limit count children too). The folders of one Lab
live under one Lab folder, ``lambda-lab/lab-<pid>-<tag>``, so a Lab removes exactly its own
and the next Lab removes the empty folders of Labs whose process is gone. Making a memory
cgroup is slow (milliseconds, more on a busy host), so a Lab reuses the folders of
environments that have ended (:class:`Recycler`).

Supports cgroup v1 (one hierarchy per controller) and v2 (one unified hierarchy with the
controllers enabled for the Lab folder). Imported by the template process: stdlib only.
"""

from __future__ import annotations

import os
import time

V1_ROOT = "/sys/fs/cgroup"
V2_ROOTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")
TOP = "lambda-lab"
CONTROLLERS = ("pids", "memory")
LEFTOVER_AGE_S = 300


def _write(path: str, text: str, *, create: bool = True) -> None:
    # os-level, not open(): every new environment's init writes here, and each object a
    # forked process touches copies a page of the template's memory (copy-on-write).
    flags = os.O_WRONLY | (os.O_CREAT | os.O_TRUNC if create else 0)
    fd = os.open(path, flags, 0o666)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _v1_base(controller: str) -> str | None:
    root = os.path.join(V1_ROOT, controller)
    marker = "pids.max" if controller == "pids" else "memory.limit_in_bytes"
    if os.path.isdir(root) and os.path.exists(os.path.join(root, "cgroup.procs")):
        probe = os.path.join(root, TOP)
        try:
            os.makedirs(probe, exist_ok=True)
        except OSError:
            return None
        return probe if os.path.exists(os.path.join(probe, marker)) else None
    return None


def _v2_base() -> str | None:
    for root in V2_ROOTS:
        controllers = os.path.join(root, "cgroup.controllers")
        try:
            with open(controllers) as handle:
                available = handle.read().split()
        except OSError:
            continue
        if not set(CONTROLLERS) <= set(available):
            continue
        top = os.path.join(root, TOP)
        try:
            _write(os.path.join(root, "cgroup.subtree_control"), "+pids +memory")
            os.makedirs(top, exist_ok=True)
            _write(os.path.join(top, "cgroup.subtree_control"), "+pids +memory")
        except OSError:
            continue
        return top
    return None


def find_bases() -> dict[str, str]:
    """Where this host lets the Lab make cgroups: controller -> folder (empty when nowhere).

    Only for root: an ordinary user cannot write the host's cgroup folders."""
    if os.geteuid() != 0:
        return {}
    bases = {c: b for c in CONTROLLERS if (b := _v1_base(c))}
    if len(bases) == len(CONTROLLERS):
        return bases
    unified = _v2_base()
    if unified:
        return {c: unified for c in CONTROLLERS}
    return bases


class LabCgroups:
    """One Lab's cgroup folders: one sub-folder per environment, per controller."""

    def __init__(self, bases: dict[str, str], lab_folder: str) -> None:
        self.lab_dirs = {c: os.path.join(b, lab_folder) for c, b in bases.items()}
        self.unified = len(set(bases.values())) == 1 and len(bases) > 1
        for controller, path in self.lab_dirs.items():
            os.makedirs(path, exist_ok=True)
            if self.unified and controller == CONTROLLERS[0]:
                _write(os.path.join(path, "cgroup.subtree_control"), "+pids +memory")

    def paths(self, name: str) -> dict[str, str]:
        """Where one environment's folders are (or will be); controller -> path."""
        return {c: os.path.join(lab_dir, name) for c, lab_dir in self.lab_dirs.items()}

    def create(self, name: str, pids_max: int) -> dict[str, str]:
        """Folders for one environment (``pids.max`` set); controller -> path."""
        made: dict[str, str] = {}
        for controller, lab_dir in self.lab_dirs.items():
            path = os.path.join(lab_dir, name)
            if path not in made.values():
                try:
                    os.mkdir(path)
                except FileExistsError:
                    pass  # reused (see Recycler)
                except FileNotFoundError:
                    os.makedirs(path, exist_ok=True)
            made[controller] = path
        if "pids" in made:
            _write(os.path.join(made["pids"], "pids.max"), str(pids_max))
        return made

    @staticmethod
    def join(paths: dict[str, str], pid: int) -> None:
        """Move process ``pid`` into each folder. A process of one thread moving itself (an
        environment's init) writes 0 to cgroup v1's ``tasks``: the same move, without the
        kernel's global lock for whole-process moves, whose writer waits for an RCU grace
        period (5-25 ms here, on every new environment's path)."""
        itself = pid == os.getpid() and _single_threaded()
        for path in dict.fromkeys(paths.values()):
            if itself:
                try:
                    _write(path + "/tasks", "0", create=False)
                    continue
                except FileNotFoundError:
                    pass  # cgroup v2 has no tasks file
            _write(os.path.join(path, "cgroup.procs"), str(pid))

    @staticmethod
    def limit_memory(paths: dict[str, str], limit_bytes: int) -> None:
        path = paths.get("memory")
        if not path:
            return
        v1 = os.path.join(path, "memory.limit_in_bytes")
        _write(v1 if os.path.exists(v1) else os.path.join(path, "memory.max"), str(limit_bytes))

    def remove_all(self, wait_s: float = 2.0) -> None:
        """Remove every environment folder and the Lab folder (their processes are ending)."""
        deadline = time.monotonic() + wait_s
        for lab_dir in dict.fromkeys(self.lab_dirs.values()):
            while True:
                for entry in _subfolders(lab_dir):
                    remove(os.path.join(lab_dir, entry))
                try:
                    os.rmdir(lab_dir)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.01)


class Recycler:
    """Which environment folders are free: a folder is reused once no process is left in it.

    Held by the template process, which hands each new environment a folder name."""

    def __init__(self, lab: LabCgroups) -> None:
        self._lab = lab
        self._in_use: list[str] = []
        self._free: list[str] = []
        self._made = 0

    def take(self) -> tuple[str, int]:
        """A folder name for a new environment, and the OOM kills already counted in it."""
        self._reclaim()
        if self._free:
            name = self._free.pop()
        else:
            self._made += 1
            name = f"env-{self._made}"
        self._in_use.append(name)
        return name, oom_kills(self._lab.paths(name).get("memory"))

    def give_back(self, name: str) -> None:
        """A folder whose environment never started (its spare was discarded)."""
        if name in self._in_use:
            self._in_use.remove(name)

    def _reclaim(self) -> None:
        still: list[str] = []
        for name in self._in_use:
            procs = os.path.join(
                self._lab.paths(name)["pids" if "pids" in self._lab.lab_dirs else "memory"],
                "cgroup.procs",
            )
            try:
                with open(procs, "rb") as handle:
                    empty = not handle.read().strip()
            except FileNotFoundError:
                empty = False  # not made yet: its environment's init is still starting
            except OSError:
                empty = False
            (self._free if empty else still).append(name)
        self._in_use = still


def _subfolders(path: str) -> list[str]:
    try:
        return [e.name for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def remove(path: str | None) -> bool:
    """Remove one environment's folder; False while processes are still in it."""
    if not path:
        return True
    try:
        os.rmdir(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def memory_anon_kb(path: str) -> int | None:
    """Anonymous memory charged to a memory cgroup (v1 ``rss``, v2 ``anon``), in KB.

    Files in a tmpfs (the environment's /tmp) are ``shmem`` and do not count: /tmp is
    ephemeral storage, not memory."""
    try:
        with open(os.path.join(path, "memory.stat"), "rb") as handle:
            for line in handle:
                if line.startswith((b"rss ", b"anon ")):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def oom_kills(path: str | None) -> int:
    """How many times the kernel's OOM killer acted inside this memory cgroup."""
    if not path:
        return 0
    for name in ("memory.oom_control", "memory.events"):
        try:
            with open(os.path.join(path, name), "rb") as handle:
                for line in handle:
                    if line.startswith(b"oom_kill "):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return 0


def remove_stale(bases: dict[str, str], alive: int | None = None) -> int:
    """Remove the (empty) folders of Labs whose process has ended; returns how many. Empty
    per-environment folders that earlier versions of the Lab left directly under
    ``lambda-lab/`` go too, once they are a few minutes old (never one being set up)."""
    removed = 0
    for base in dict.fromkeys(bases.values()):
        for lab_folder in _subfolders(base):
            if len(lab_folder) == 32 and all(c in "0123456789abcdef" for c in lab_folder):
                path = os.path.join(base, lab_folder)
                try:
                    old = time.time() - os.stat(path).st_mtime > LEFTOVER_AGE_S
                except OSError:
                    continue
                if old and remove(path):
                    removed += 1
                continue
            parts = lab_folder.split("-")
            if len(parts) < 3 or parts[0] != "lab" or not parts[1].isdigit():
                continue
            pid = int(parts[1])
            if pid == alive or _process_alive(pid):
                continue
            path = os.path.join(base, lab_folder)
            for entry in _subfolders(path):
                remove(os.path.join(path, entry))
            if remove(path):
                removed += 1
    return removed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
