"""Small tools for checking YAML data and reporting every problem with its place.

A :class:`Scope` is one value inside a :class:`~lambda_lab.quiz.loader.Document`: it knows
its path, so a problem it reports carries file, line, column and a readable field name
(``inv-async-retries.choices[2].feedback``). Checks never raise; they collect.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lambda_lab.quiz.loader import Document, PathKey
from lambda_lab.quiz.schema import ID_PATTERN

MISSING: Any = object()


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}:{self.column}"
        if not self.field:
            return f"{where}: {self.message}"
        return f"{where}: {self.field}: {self.message}"


def describe(value: Any) -> str:
    """'an integer (42)' - the kind of a YAML value and a short view of it, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({text!r})" if value else "an empty string"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} ({value})"


def field_label(document: Document, path: PathKey) -> str:
    """A path as people read it; a question is named by its id when it has a usable one."""
    label = ""
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "questions" and isinstance(parts[1], int):
        questions = document.data.get("questions") if isinstance(document.data, dict) else None
        question = questions[parts[1]] if isinstance(questions, list) else None
        qid = question.get("id") if isinstance(question, dict) else None
        usable = isinstance(qid, str) and ID_PATTERN.fullmatch(qid)
        label = str(qid) if usable else f"questions[{parts[1]}]"
        parts = parts[2:]
    for part in parts:
        label += f"[{part}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label


class Reporter:
    """Collects problems for one document."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def report(self, path: PathKey, message: str, *, key: bool = False) -> None:
        line, column = self.document.mark(path, key=key)
        label = field_label(self.document, path)
        self.problems.append(Problem(self.document.path, line, column, label, message))

    def root(self) -> Scope:
        return Scope(self, (), self.document.data)


class Scope:
    """One value in the document, with helpers that report instead of raising."""

    def __init__(self, reporter: Reporter, path: PathKey, value: Any) -> None:
        self.reporter = reporter
        self.path = path
        self.value = value

    @property
    def present(self) -> bool:
        return self.value is not MISSING

    def field(self, key: str) -> Scope:
        value = self.value.get(key, MISSING) if isinstance(self.value, dict) else MISSING
        return Scope(self.reporter, self.path + (key,), value)

    def items(self) -> list[Scope]:
        if not isinstance(self.value, list):
            return []
        return [Scope(self.reporter, self.path + (i,), v) for i, v in enumerate(self.value)]

    def report(self, message: str) -> None:
        self.reporter.report(self.path, message)

    def require(self) -> bool:
        if self.present:
            return True
        self.report("missing required field")
        return False

    def expect(self, ok: bool, expected: str) -> bool:
        """Report 'expected X, got Y' unless ``ok``; absent optional fields pass."""
        if ok or not self.present:
            return True
        self.report(f"expected {expected}, got {describe(self.value)}")
        return False

    def text(self, *, required: bool = False) -> bool:
        if required and not self.require():
            return False
        ok = isinstance(self.value, str) and bool(self.value.strip())
        return self.expect(ok, "a non-empty string")

    def mapping(self) -> bool:
        return self.expect(isinstance(self.value, dict), "a mapping")

    def number(self) -> bool:
        ok = isinstance(self.value, (int, float)) and not isinstance(self.value, bool)
        return self.expect(ok, "a number")

    def integer(self, low: int, high: int | None = None) -> bool:
        ok = isinstance(self.value, int) and not isinstance(self.value, bool)
        ok = ok and self.value >= low and (high is None or self.value <= high)
        span = f"from {low} to {high}" if high is not None else f">= {low}"
        expected = f"an integer {span}"
        return self.expect(ok, expected)

    def text_list(self, *, minimum: int = 0, maximum: int | None = None) -> bool:
        """A list of non-empty strings of the given length; each bad item is reported."""
        value = self.value
        if not isinstance(value, list):
            return self.expect(False, "a list of strings")
        if len(value) < minimum or (maximum is not None and len(value) > maximum):
            span = f"{minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            self.report(f"expected {span} items, got {len(value)}")
            return False
        return all([item.text() for item in self.items()])  # noqa: C419 - report every bad item

    def only_fields(self, allowed: Iterable[str], context: str) -> None:
        """Report every key not in ``allowed`` at the key itself, with a guess for typos."""
        if not isinstance(self.value, dict):
            return
        allowed = list(allowed)
        for key in self.value:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else f" for {context}"
            self.reporter.report(self.path + (key,), f"unknown field{hint}", key=True)
