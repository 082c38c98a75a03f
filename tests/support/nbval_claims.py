"""A pytest plugin: after nbval runs a lesson cell, check what the cell printed against what
the lesson says it prints (``lesson_claims``). Loaded by the repository's root conftest, so
every nbval run of the lessons checks them, the full suite's and a single lesson's alike."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from lesson_claims import check_cell


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    cell, outputs = getattr(item, "cell", None), getattr(item, "test_outputs", None)
    if cell is not None and outputs is not None:  # an nbval cell that ran
        check_cell(Path(str(item.path)).stem, str(cell.get("id", "")), outputs)
    return result
