"""Session-wide guards for every test, the lessons under nbval included.

Progress files go to a throwaway folder, never the learner's own (nbval's kernels inherit
the variable), and the session ends by checking that nothing the tests started outlived
them: no child process, no Lab folder, no stray non-daemon thread.
"""

from __future__ import annotations

import glob
import os
import threading
import time

import psutil
import pytest


@pytest.fixture(scope="session", autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Progress files and the like go to a throwaway folder, never the user's own."""
    home = tmp_path_factory.mktemp("lambda-lab-home")
    os.environ["LAMBDA_LAB_HOME"] = str(home)


def _lab_dirs() -> set[str]:
    # Only this process's Labs: other test runs on the same machine may be working too.
    from lambda_lab.wiring.lifetime import run_base_dir

    return set(glob.glob(os.path.join(run_base_dir(), f"lambda-lab-{os.getpid()}-*")))


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    """After the whole session: no child process, no Lab folder, no stray non-daemon thread."""
    before_dirs = _lab_dirs()
    yield
    me = psutil.Process()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = [
            p
            for p in me.children(recursive=True)
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        ]
        if not alive:
            break
        time.sleep(0.1)
    leftovers = _lab_dirs() - before_dirs
    threads = [
        t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon
    ]
    problems = []
    if alive:
        problems.append(
            "processes still running: " + ", ".join(f"{p.pid} {p.cmdline()[:3]}" for p in alive)
        )
    if leftovers:
        problems.append("Lab folders left in the temp dir: " + ", ".join(sorted(leftovers)))
    if threads:
        problems.append("non-daemon threads still running: " + ", ".join(threads))
    assert not problems, "; ".join(problems)


_STARTED = time.time()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The classroom tests' figures (build times, startup, memory), from whichever process ran
    them (tests/classroom/conftest.py writes them; under pytest-xdist that is a worker)."""
    from classroom_envs import figures_folder  # (tests/support is on pytest's pythonpath)

    folder = figures_folder()
    lines: list[str] = []
    for path in sorted(folder.glob("figures-*.txt")) if folder.is_dir() else []:
        if path.stat().st_mtime >= _STARTED:
            lines += path.read_text().splitlines()
        else:
            path.unlink(missing_ok=True)  # an earlier run's
    if lines:
        terminalreporter.section("classroom figures")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The lessons under nbval and the classroom builds belong to the full suite only:
    ``pytest -m "not slow"`` is the fast lane a developer runs on every change.

    The suite runs on every core with pytest-xdist's ``--dist loadfile``: a file's tests stay on
    one worker, so a notebook's cells run in order in one kernel and a module's server starts
    once (the Binder environment is built by one module, tests/classroom/test_binder.py)."""
    slow = pytest.mark.slow
    for item in items:
        path = str(item.path)
        if path.endswith(".ipynb") or f"{os.sep}classroom{os.sep}" in path:
            item.add_marker(slow)
