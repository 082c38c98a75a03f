"""Session-wide guards for every test, the lessons under nbval included.

Progress files go to a throwaway folder, never the learner's own (nbval's kernels inherit
the variable), and the session ends by checking that nothing the tests started outlived
them: no child process, no Lab folder, no stray non-daemon thread.
"""

from __future__ import annotations

import compileall
import glob
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

# What lessons 10 and 11 print is checked on nbval's own run of them (tests/support).
pytest_plugins = ["nbval_claims"]


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
    # Threads that are ending get the rest of the same deadline: a closed asyncio loop (as
    # Playwright's sync API leaves one) shuts its executor down without waiting for it.
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
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


# The work units that take longest start first, so that the run never ends with one worker
# still building an environment while the other waits (longest-first scheduling). Rank by
# path prefix, relative to the repository; everything else keeps its collection order.
LONGEST_FIRST = (
    "tests/classroom/test_binder.py",  # builds the Binder environment (~1 min of pip)
    "tests/classroom/test_first_five_minutes.py",  # builds a wheel and a fresh environment
    "tests/classroom/test_readme_quick_start.py",  # the README's setup in a clean clone
    "tests/lessons/test_run_all_browser.py",  # every lesson in a browser, a unit per lesson
    "lessons/",  # every lesson under nbval, a unit per notebook
    "tests/lessons/",
    "tests/exercises/",
    "tests/serve/",
)
# Files whose tests are independent work units (they share only per-worker fixtures).
ONE_UNIT_PER_TEST = ("tests/lessons/test_run_all_browser.py",)
# A lesson under nbval spends about half its time waiting (timeouts and retries it demonstrates
# in real time): two or three of them at once left a CPU idle (14-26 % of those minutes). So
# these ranks are dealt out alternately, a lesson, then a test file of the next ranks.
WAITING_RANK = LONGEST_FIRST.index("lessons/")
DEALT_RANKS = range(WAITING_RANK, len(LONGEST_FIRST))


def _rank(item: pytest.Item) -> int:
    path = Path(item.path).relative_to(item.config.rootpath).as_posix()
    return next(
        (rank for rank, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)),
        len(LONGEST_FIRST),
    )


def _dealt(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` sorted by rank, with the files of DEALT_RANKS interleaved: lesson files at
    even places, the other files at odd ones (each file's items stay together)."""
    files: dict[Path, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(Path(item.path), []).append(item)
    rank_of = {path: _rank(file_items[0]) for path, file_items in files.items()}
    lessons = [path for path, rank in rank_of.items() if rank == WAITING_RANK]
    others = sorted(
        (path for path, rank in rank_of.items() if rank in DEALT_RANKS and rank != WAITING_RANK),
        key=rank_of.__getitem__,
    )
    place = {path: 2 * i for i, path in enumerate(lessons)}
    place |= {path: 2 * i + 1 for i, path in enumerate(others)}

    def key(item: pytest.Item) -> tuple[int, int]:
        path = Path(item.path)
        if rank_of[path] in DEALT_RANKS:
            return WAITING_RANK, place[path]
        return rank_of[path], 0

    return sorted(items, key=key)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The lessons under nbval and the classroom builds belong to the full suite only:
    ``pytest -m "not slow"`` is the fast lane a developer runs on every change.

    Then the longest work first, the lessons under nbval dealt out between test files (a
    stable sort: a notebook's cells keep their order)."""
    slow = pytest.mark.slow
    for item in items:
        path = str(item.path)
        if path.endswith(".ipynb") or f"{os.sep}classroom{os.sep}" in path:
            item.add_marker(slow)
    items[:] = _dealt(items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the logical CPUs this process may use, while memory
    allows (about 1.5 GB each: a browser, JupyterLab and a lesson's kernel at the peak). Much
    of the suite waits (for a kernel, a browser, pip): with one worker per CPU, 25-60 % of
    the CPU time went idle. PYTEST_XDIST_AUTO_NUM_WORKERS still decides where it is set."""
    chosen = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if chosen:
        return int(chosen)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    by_memory = psutil.virtual_memory().available // (1536 * 1024 * 1024)
    return max(1, min((cpus or 1) + 1, by_memory))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The suite runs on every core with pytest-xdist. A work unit is a file, so that a
    notebook's cells run in order in one kernel and a module's fixtures (a server, the Binder
    environment) are made once; the files in ONE_UNIT_PER_TEST give a unit per test. Units go
    out in collection order, which pytest_collection_modifyitems made longest first."""
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path in ONE_UNIT_PER_TEST else path

    config.option.loadscopereorder = False  # keep the longest-first order
    return FileScheduling(config, log)


def pytest_configure(config: pytest.Config) -> None:
    """Keep compiled bytecode for this run, even where PYTHONDONTWRITEBYTECODE is set (as on
    this machine): otherwise every worker compiled every test module again (collecting took
    9.6 s instead of 5.5 s) and every kernel, CLI call and Lab template it started compiled
    the package again. __pycache__ folders are gitignored; the exercises' starter and
    solution files are a learner's code, deployed as it is, and are left alone."""
    sys.dont_write_bytecode = False
    if not hasattr(config, "workerinput"):  # once, in the controller, before the workers start
        package = Path(config.rootpath) / "lambda_lab"
        compileall.compile_dir(package, quiet=1, rx=re.compile(r"[\\/]exercises[\\/]data[\\/]"))
