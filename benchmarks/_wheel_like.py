"""A wheel-like install of the Lab's package, made in seconds, for start-up figures.

This project's venv has an editable install (``pip install -e``): its ``.pth`` file runs the
editable finder in every Python started there, ``python -c pass`` included, and the finder
imports pathlib, re, enum and urllib.parse (~8 ms). That flatters any ratio to
``python -c pass``: the floor pays for modules the Lab would otherwise import itself. A user
who installs the wheel has no finder.

:func:`wheel_like_venv` makes what a wheel install leaves, without building one: a fresh venv
(no system site-packages, no pip) whose site-packages holds a copy of the package the
running interpreter imports, compiled as pip compiles it. The dependencies are reached
through a ``.pth`` line naming this venv's site-packages (a path line: the ``.pth`` files
found there are not run), and this venv's other ``.pth`` files, all but the editable
finder's, are copied so that they run as they would beside a wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import lambda_lab

EDITABLE_MARK = "__editable__"  # pip/setuptools name the editable finder's .pth file so


def wheel_like_venv(where: Path) -> str:
    """Make the venv under ``where``; returns the path of its Python."""
    venv = where / "wheel-like"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, cwd=where
    )
    python = str(venv / "bin" / "python")
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    ours = Path(sysconfig.get_paths()["purelib"])
    # "00-": .pth files run in name order, and the copied ones import from ours
    (site / "00-dependencies.pth").write_text(f"{ours}\n")
    for pth in sorted(ours.glob("*.pth")):
        if not pth.name.startswith(EDITABLE_MARK):
            shutil.copy(pth, site / pth.name)
    shutil.copytree(
        package_dir(), site / "lambda_lab", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [python, "-m", "compileall", "-q", str(site / "lambda_lab")], check=True, cwd=where
    )
    return python


def package_dir() -> Path:
    """The package this benchmark measures: the one the running interpreter imports (this
    checkout's, or another's named by PYTHONPATH)."""
    return Path(lambda_lab.__file__).parent


def environment() -> dict[str, str]:
    """The environment for the wheel-like venv's processes: this one without PYTHONPATH (a
    checkout named there would be imported instead of the installed copy)."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
