"""Which Python runs a function, and the one line a host without namespaces gets at start."""

from __future__ import annotations

import logging
import os
import stat
import sys
from pathlib import Path

import pytest

from lambda_lab import Lab
from lambda_lab.environments import interpreters, sandbox
from lambda_lab.environments.interpreters import Interpreters
from lambda_lab.environments.spawner import Spawner


def fake_python(folder: Path, version: str) -> None:
    """An executable that answers like a python3.x asked for its version."""
    path = folder / f"python{version}"
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_a_matching_interpreter_gets_its_own_template(tmp_path: Path, monkeypatch) -> None:
    fake_python(tmp_path, "3.97")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    interpreters._found.clear()
    default = Spawner()
    chosen = Interpreters(default)
    spawner, note = chosen.spawner_for("python3.97")
    assert (
        spawner is not default and spawner.python == str(tmp_path / "python3.97") and note is None
    )
    assert chosen.spawner_for("python3.97")[0] is spawner  # one template per interpreter
    own = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert chosen.spawner_for(own) == (default, None)
    assert chosen.spawner_for("provided.al2023") == (default, None)
    interpreters._found.clear()


def test_without_one_the_labs_python_runs_it_and_says_so_once(lab: Lab) -> None:
    missing = "python3.98"
    interpreters._found[missing] = None
    chosen = Interpreters(lab._spawner)
    spawner, note = chosen.spawner_for(missing)
    assert spawner is lab._spawner and note and missing in note and sys.version.split()[0] in note
    assert chosen.spawner_for(missing) == (lab._spawner, None)  # once per Lab
    if f"python{sys.version_info[0]}.{sys.version_info[1]}" != "python3.12":
        lab.deploy("f", "def lambda_handler(e, c):\n    return 1\n")  # Runtime python3.12
        first, second = lab.invoke("f"), lab.invoke("f")
        assert "no python3.12 interpreter on this machine" in first.log
        lab.deploy("f", "def lambda_handler(e, c):\n    return 2\n")
        assert "interpreter" not in second.log and "interpreter" not in lab.invoke("f").log


def test_a_host_without_namespaces_is_told_in_one_line(monkeypatch, caplog) -> None:
    monkeypatch.setenv("LAMBDA_LAB_SANDBOX", "off")
    sandbox._announced.clear()
    with caplog.at_level(logging.WARNING, logger="lambda_lab"):
        with Lab():
            pass
        with Lab():
            pass
    lines = [r.getMessage() for r in caplog.records if "limits isolation" in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert "a PID namespace" in lines[0] and "docs/promises.md" in lines[0]


def test_a_bad_sandbox_setting_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("LAMBDA_LAB_SANDBOX", "sometimes")
    with pytest.raises(ValueError, match="LAMBDA_LAB_SANDBOX must be auto, off or userns"):
        Lab()
