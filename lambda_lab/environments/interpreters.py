"""Which Python runs a function: the one its Runtime names, where this machine has it.

A function whose Runtime is python3.12 runs on a ``python3.12`` found on this machine (one
template process per interpreter), so that a handler using 3.12's features or a package
built for it behaves as on AWS. Where no such interpreter is installed it runs on the
Lab's own Python, and says so once per Lab, in the log of the first such cold start.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading

from lambda_lab.environments.spawner import Spawner

_found: dict[str, str | None] = {}
_finding = threading.Lock()  # one look per runtime, even when a Lab's start is looking already


def lab_version() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def find(runtime: str) -> str | None:
    """A path to an interpreter of ``runtime`` (e.g. python3.12), or None; checked by running it
    (once per process: a pyenv shim alone takes 0.1-0.2 s to answer)."""
    if runtime in _found:
        return _found[runtime]
    with _finding:
        if runtime not in _found:
            _found[runtime] = _look_for(runtime)
        return _found[runtime]


def _look_for(runtime: str) -> str | None:
    version = runtime.removeprefix("python")
    found = None
    for candidate in (shutil.which(f"python{version}"), f"/usr/bin/python{version}"):
        if not candidate or not os.access(candidate, os.X_OK):
            continue
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

    def __init__(self, default: Spawner) -> None:
        self._default = default
        self._spawners: dict[str, Spawner] = {}
        self._said: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False

    def spawner_for(self, runtime: str) -> tuple[Spawner, str | None]:
        """The spawner for ``runtime`` and, the first time it falls back to the Lab's Python,
        the line that says so."""
        return self._spawner(runtime, say=True)

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
        path = find(runtime)
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
