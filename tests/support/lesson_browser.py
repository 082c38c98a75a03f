"""Fixtures of the tests that drive the lessons in a real browser: JupyterLab serving a copy of
the lessons (one per test module) and a fresh page of Debian's Chromium for each test.

A conftest imports them by name (``from lesson_browser import lessons_server, page``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from classroom_envs import lab_server, lessons_copy
from lab_page import chromium, new_page


@pytest.fixture(scope="module")
def lessons_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of JupyterLab serving a throwaway copy of lessons/."""
    pytest.importorskip("jupyterlab", reason="needs the course extra")
    base = tmp_path_factory.mktemp("lessons-browser")
    running = lab_server(base, lessons_copy(base))
    yield running.url
    running.close()


@pytest.fixture
def page() -> Iterator[Any]:
    """A page in a fresh browser context; every wait may take two minutes (a lesson's cell
    can start a Lab, deploy and invoke on a loaded machine)."""
    with chromium() as browser, new_page(browser, timeout_ms=120_000) as opened:
        yield opened
