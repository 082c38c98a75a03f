"""Fixtures for the quiz tests: a private data home, and helpers to write banks."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def quiz_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own progress directory; nothing touches the real home."""
    home = tmp_path / "lambda-lab-home"
    monkeypatch.setenv("LAMBDA_LAB_HOME", str(home))
    monkeypatch.delenv("LAMBDA_LAB_LEARNER", raising=False)
    return home


@pytest.fixture
def write_bank(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a bank file `<name>.yaml` (dedented text) into a fresh folder and return its path."""
    folder = tmp_path / "banks"
    folder.mkdir()

    def write(name: str, text: str) -> Path:
        path = folder / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


class AnswerKey:
    """What a learner who knows (or gets wrong) an item would type, in the item's letters."""

    @staticmethod
    def right(item) -> str:
        q = item.question
        if q.type == "numeric":
            return f"{q.answer:g}"
        if q.type == "ordering":
            return "".join(item.letter_of(k) for k in range(len(q.items)))
        if q.type == "true_false":
            return item.letter_of(q.answer)
        return "".join(sorted(item.letter_of(i) for i, c in enumerate(q.choices) if c.correct))

    @staticmethod
    def wrong(item) -> str:
        q = item.question
        if q.type == "numeric":
            return f"{q.answer + q.tolerance + 1000:g}"
        if q.type == "ordering":
            return AnswerKey.right(item)[::-1]
        if q.type == "true_false":
            return item.letter_of(not q.answer)
        wrong = sorted(item.letter_of(i) for i, c in enumerate(q.choices) if not c.correct)
        return "".join(wrong[: q.select])


@pytest.fixture
def answer_key() -> AnswerKey:
    return AnswerKey()
