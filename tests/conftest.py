"""Fixtures for the tests under tests/: every test that needs a Lab gets a fresh one.
(The session-wide checks live in the repository root's conftest.py, so they cover the
lessons run by nbval too.)"""

from __future__ import annotations

import os

import pytest

FIGURES: list[str] = []


@pytest.fixture(scope="session")
def figures() -> list[str]:
    """What a test measured (build times, startup, memory), printed at the end of the run."""
    return FIGURES


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Leave the figures for the root conftest's summary: under pytest-xdist these tests run
    in a worker, whose terminal nobody sees."""
    from classroom_envs import figures_folder  # (tests/support is on pytest's pythonpath)

    if FIGURES:
        folder = figures_folder()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"figures-{os.getpid()}.txt").write_text("\n".join(FIGURES) + "\n")


@pytest.fixture
def lab():
    from lambda_lab import Lab

    with Lab() as instance:
        yield instance


@pytest.fixture
def virtual_lab():
    from lambda_lab import Lab

    with Lab(clock="virtual") as instance:
        yield instance
