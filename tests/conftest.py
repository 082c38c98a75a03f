"""Fixtures for the tests under tests/: every test that needs a Lab gets a fresh one.
(The session-wide checks live in the repository root's conftest.py, so they cover the
lessons run by nbval too.)"""

from __future__ import annotations

import pytest


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
