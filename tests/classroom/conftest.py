"""Fixtures of the classroom tests: a clean copy of the repository, the Binder environment
built from binder/ alone, and a JupyterLab server running in it.

The Binder environment and its server are built once per test session and shared by the
Binder and browser tests. What they measure goes into ``figures``
(tests/conftest.py), printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from classroom_envs import (
    NO_COMPILE,
    REPO,
    JupyterServer,
    Venv,
    clean_copy,
    free_port,
    lab_options,
)
from memory_probe import MB


@pytest.fixture(scope="session")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository as a fresh clone has it: what git tracks or would track, nothing more."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository (to know what a clone holds)")
    target = clean_copy(tmp_path_factory.mktemp("clone") / "lambda-lab")
    yield target
    shutil.rmtree(target, ignore_errors=True)


@pytest.fixture(scope="session")
def binder_env(
    checkout: Path, tmp_path_factory: pytest.TempPathFactory, figures: list[str]
) -> Iterator[Venv]:
    """What Binder builds: binder/requirements.txt into a fresh environment, then postBuild
    run from the repository root with the variables repo2docker sets."""
    base = tmp_path_factory.mktemp("binder")
    venv = Venv.create(base / "notebook-env", base / "jovyan")
    venv.pip_install("-r", "binder/requirements.txt", cwd=checkout, **NO_COMPILE)
    binder_variables = {
        "NB_PYTHON_PREFIX": str(venv.path),
        "KERNEL_PYTHON_PREFIX": str(venv.path),
        "REPO_DIR": str(checkout),
        "NB_USER": "jovyan",
    }
    venv.timed(
        "binder/postBuild",
        ["binder/postBuild"],
        cwd=checkout,
        env=venv.environ(**binder_variables, **NO_COMPILE),
    )
    for step in venv.timings:
        figures.append(f"binder build: {step.what}: {step.seconds:.0f} s")
    yield venv
    venv.remove()


@pytest.fixture(scope="session")
def binder_server(binder_env: Venv, checkout: Path, figures: list[str]) -> Iterator[JupyterServer]:
    """JupyterLab as Binder starts it: from the repository root, in the built environment."""
    # expose_app_in_browser gives the browser tests window.jupyterapp (to move between cells);
    # it changes nothing else.
    port = free_port()
    server = JupyterServer(
        binder_env,
        [
            binder_env.bin("jupyter"),
            "lab",
            "--LabApp.expose_app_in_browser=True",
            *lab_options(port),
        ],
        port=port,
        cwd=checkout,
        log=binder_env.home / "jupyterlab.log",
    )
    figures.append(f"binder JupyterLab: answering {server.startup_s:.1f} s after start")
    yield server
    resident = psutil.Process(server.process.pid).memory_info().rss / MB
    figures.append(
        f"binder JupyterLab: the server itself holds {resident:.0f} MB resident at the end"
    )
    server.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Screenshots and logs kept after the run (test-artifacts/ is gitignored)."""
    folder = (
        Path(os.environ.get("LAMBDA_LAB_TEST_ARTIFACTS", REPO / "test-artifacts")) / "classroom"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
