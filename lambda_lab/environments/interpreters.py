"""Which Python runs a function: the one its Runtime names, where this machine has it.

A function whose Runtime is python3.12 runs on a ``python3.12`` found on this machine (one
template process per interpreter), so that a handler using 3.12's features or a package
built for it behaves as on AWS. Where no such interpreter is installed it runs on the
Lab's own Python, and says so once per Lab, in the log of the first such cold start.

Looking means running each candidate (a pyenv shim alone takes 0.1-0.4 s to answer), which
would put that wait on a fresh process's first cold start. The answer is kept per machine
(:mod:`probe_cache`, a day at most) under a key made of what it depends on: each candidate
file, and for a launcher script (a pyenv or asdf shim) what such launchers read: PATH and
their own variables, the working folder and the version files above it, pyenv's own files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading

from lambda_lab.environments import probe_cache
from lambda_lab.environments.spawner import Spawner

CACHE_FILE = "interpreters.json"
# Files a launcher script (pyenv, asdf) reads to choose a version, looked for in the working
# folder and each folder above it.
_VERSION_FILES = (".python-version", ".tool-versions")

_found: dict[str, str | None] = {}
_finding = threading.Lock()  # one look per runtime, even when a Lab's start is looking already


def lab_version() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def find(runtime: str, cache_base: str | None = None) -> str | None:
    """A path to an interpreter of ``runtime`` (e.g. python3.12), or None; checked by running it
    (once per process, and once a day per machine when ``cache_base`` names where the Labs
    keep their folders: see the module's docstring)."""
    if runtime in _found:
        return _found[runtime]
    with _finding:
        if runtime not in _found:
            _found[runtime] = _recalled_or_looked_for(runtime, cache_base)
        return _found[runtime]


def known(runtime: str, cache_base: str | None = None) -> bool:
    """Is the interpreter of ``runtime`` known without running one (this process has looked,
    there is no candidate, or this machine's kept answer holds)? Remembered when so."""
    if runtime in _found:
        return True
    with _finding:
        if runtime in _found:
            return True
        candidates = _candidates(runtime)
        recalled = _recall(runtime, candidates, cache_base) if candidates else (None,)
        if recalled is None:
            return False
        _found[runtime] = recalled[0]
        return True


def _candidates(runtime: str) -> list[str]:
    version = runtime.removeprefix("python")
    found = (shutil.which(f"python{version}"), f"/usr/bin/python{version}")
    return [path for path in found if path and os.access(path, os.X_OK)]


def _recalled_or_looked_for(runtime: str, cache_base: str | None) -> str | None:
    candidates = _candidates(runtime)
    if cache_base is None or not candidates:
        return _look_for(runtime, candidates)
    recalled = _recall(runtime, candidates, cache_base)
    if recalled is not None:
        return recalled[0]
    found = _look_for(runtime, candidates)
    probe_cache.remember_entry(
        cache_base, _key(runtime, candidates), {"path": found or ""}, CACHE_FILE
    )
    return found


def _recall(
    runtime: str, candidates: list[str], cache_base: str | None
) -> tuple[str | None] | None:
    """This machine's kept answer, as a 1-tuple (its path may be None), or None if none holds."""
    if cache_base is None:
        return None
    entry = probe_cache.recall_entry(cache_base, _key(runtime, candidates), CACHE_FILE)
    if entry is not None and isinstance(entry.get("path"), str):
        kept = entry["path"]
        if not kept or os.access(kept, os.X_OK):
            return (kept or None,)
    return None


def _is_script(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"#!"
    except OSError:
        return True  # unreadable: assume the worst (its answer may depend on anything below)


def _key(runtime: str, candidates: list[str]) -> str:
    """What looking for ``runtime`` among ``candidates`` answers depends on, as one digest."""
    facts: dict[str, object] = {
        "runtime": runtime,
        "candidates": [
            [path, os.path.realpath(path), *probe_cache.file_identity(path)] for path in candidates
        ],
    }
    if any(_is_script(path) for path in candidates):  # a launcher: what launchers read
        try:
            folder = os.getcwd()
        except OSError:  # the working folder was removed
            folder = "/"
        version_files: list[list[object]] = []
        while True:
            version_files += [
                [folder, name, *probe_cache.file_identity(os.path.join(folder, name))]
                for name in _VERSION_FILES
            ]
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
        facts["launcher"] = {
            "environ": {
                k: v
                for k, v in os.environ.items()
                if k == "PATH" or k.startswith(("PYENV", "ASDF"))
            },
            "version_files": version_files,
            "pyenv": [
                probe_cache.file_identity(os.path.join(pyenv_root, name))
                for name in ("version", "versions")
            ],
        }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _look_for(runtime: str, candidates: list[str]) -> str | None:
    version = runtime.removeprefix("python")
    found = None
    for candidate in candidates:
        try:
            done = subprocess.run(
                [candidate, "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=10,
            )
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0 and done.stdout.strip() == version:
            found = os.path.realpath(candidate)
            break
    return found


class Interpreters:
    """One spawner per interpreter; the Lab's own spawner serves every other runtime."""

    def __init__(self, default: Spawner, cache_base: str | None = None) -> None:
        """``cache_base``: where the Labs keep their folders (and the answers kept per machine)."""
        self._default = default
        self._cache_base = cache_base
        self._spawners: dict[str, Spawner] = {}
        self._said: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False

    @staticmethod
    def uses_the_labs_python(runtime: str) -> bool:
        """Would ``runtime`` run on the Lab's own Python, as far as this process knows yet
        (not looked for yet counts: most machines end up there)?"""
        if not runtime.startswith("python") or runtime.removeprefix("python") == lab_version():
            return True
        return _found.get(runtime) is None

    def spawner_for(self, runtime: str) -> tuple[Spawner, str | None]:
        """The spawner for ``runtime`` and, the first time it falls back to the Lab's Python,
        the line that says so."""
        return self._spawner(runtime, say=True)

    def known(self, runtime: str) -> bool:
        """Is the interpreter ``runtime`` runs on known without running one (see :func:`known`)?"""
        if not runtime.startswith("python") or runtime.removeprefix("python") == lab_version():
            return True
        return known(runtime, self._cache_base)

    def start(self, runtime: str) -> None:
        """Start the template ``runtime`` would use, without waiting (see Spawner.start).
        While an interpreter is looked for (a pyenv shim takes 0.1-0.2 s to answer), the Lab's
        own template boots too: it is what most machines end up using."""
        if runtime.startswith("python") and runtime not in _found:
            self._default.start()
        self._spawner(runtime, say=False)[0].start()

    def _spawner(self, runtime: str, say: bool) -> tuple[Spawner, str | None]:
        if not runtime.startswith("python") or runtime.removeprefix("python") == lab_version():
            return self._default, None
        path = find(runtime, self._cache_base)
        with self._lock:
            if path is None:
                if not say:
                    return self._default, None
                if runtime in self._said:
                    return self._default, None
                self._said.add(runtime)
                return self._default, (
                    f"lambda-lab: no {runtime} interpreter on this machine; this function runs "
                    f"on the Lab's Python {sys.version.split()[0]}"
                )
            spawner = self._spawners.get(path)
            if spawner is None:
                if self._closed:
                    return self._default, None  # (closed too: it refuses to start)
                spawner = self._spawners[path] = Spawner(self._default.plan, python=path)
            return spawner, None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            spawners = list(self._spawners.values())
            self._spawners.clear()
        for spawner in spawners:
            spawner.close()
