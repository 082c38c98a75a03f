"""Cgroup folders: reused while a Lab runs, removed when Labs end (on plain folders here)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from lambda_lab.environments import cgroups


def test_folders_of_ended_labs_and_old_leftovers_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"lab-{dead.pid}-abc" / "env-1").mkdir(parents=True)
    mine = tmp_path / f"lab-{os.getpid()}-xyz" / "env-1"
    mine.mkdir(parents=True)
    old_leftover = tmp_path / ("a" * 32)
    new_leftover = tmp_path / ("b" * 32)
    old_leftover.mkdir()
    new_leftover.mkdir()
    past = time.time() - cgroups.LEFTOVER_AGE_S - 10
    os.utime(old_leftover, (past, past))
    assert cgroups.remove_stale({"pids": str(tmp_path)}) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [new_leftover.name, mine.parent.name]


def test_an_ended_environments_folder_is_handed_out_again(tmp_path: Path) -> None:
    lab = cgroups.LabCgroups({"pids": str(tmp_path)}, "lab-1-x")
    recycler = cgroups.Recycler(lab)
    first, _ = recycler.take()
    paths = lab.create(first, 1024)
    (Path(paths["pids"]) / "cgroup.procs").write_text("4242\n")  # a process is in it
    second, _ = recycler.take()
    assert second != first
    (Path(paths["pids"]) / "cgroup.procs").write_text("")  # its environment ended
    assert recycler.take()[0] == first
