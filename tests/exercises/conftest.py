"""Exercise tests write progress into a temporary home, never the developer's."""

from __future__ import annotations

import pytest
from lesson_browser import lessons_server, page  # noqa: F401 - the browser tests' fixtures


@pytest.fixture(autouse=True)
def private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDA_LAB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LAMBDA_LAB_LEARNER", raising=False)
    return tmp_path / "home"
