"""The interpreter found for a runtime is kept per machine, and looked for again when what
the answer depends on changes (the candidate file, a launcher's version files)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lambda_lab.environments import interpreters


def counting_python(folder: Path, version: str, runs: Path) -> Path:
    """An executable that answers like a python3.x asked for its version, and counts its runs."""
    path = folder / f"python{version}"
    path.write_text(f"#!/bin/sh\necho run >> {runs}\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def runs_of(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)
    yield bin_dir
    interpreters._found.clear()


def test_the_answer_is_kept_between_processes(tmp_path: Path, on_path: Path) -> None:
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    cache.mkdir()
    python = counting_python(on_path, "3.96", runs)
    interpreters._found.clear()
    assert interpreters.find("python3.96", str(cache)) == str(python)
    assert runs_of(runs) == 1
    interpreters._found.clear()  # as a new process would start
    assert interpreters.find("python3.96", str(cache)) == str(python)
    assert runs_of(runs) == 1  # recalled, not run again
    (kept,) = (cache / f"lambda-lab.cache-{os.geteuid()}").glob("interpreters.*.json")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_changed_candidate_or_version_file_is_looked_at_again(
    tmp_path: Path, on_path: Path
) -> None:
    runs, cache = tmp_path / "runs", tmp_path / "cache"
    cache.mkdir()
    python = counting_python(on_path, "3.95", runs)
    interpreters._found.clear()
    interpreters.find("python3.95", str(cache))
    (tmp_path / ".python-version").write_text("3.95\n")  # what a pyenv shim would read
    interpreters._found.clear()
    interpreters.find("python3.95", str(cache))
    assert runs_of(runs) == 2
    python.write_text(python.read_text().replace("3.95", "3.94"))  # no longer a 3.95
    interpreters._found.clear()
    assert interpreters.find("python3.95", str(cache)) is None
    assert runs_of(runs) == 3


def test_an_absent_interpreter_is_kept_too(tmp_path: Path, on_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    interpreters._found.clear()
    assert interpreters.find("python3.93", str(cache)) is None
    counting_python(on_path, "3.93", tmp_path / "runs")  # installed since: a new candidate
    interpreters._found.clear()
    assert interpreters.find("python3.93", str(cache)) == str(on_path / "python3.93")
