"""The ``filter`` conditions of the Logs Insights subset (:mod:`.insights`).

Comparisons ``= != < <= > >=``, ``like "text"``, ``like /regex/``, ``not like``, ``=~``,
``in [..]`` and ``ispresent(field)``, combined with ``and``, ``or``, ``not`` and
parentheses, parsed by recursive descent into a function of one row. Numbers found in text
compare as numbers, as Insights does; a field missing from a row matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


class QueryError(ValueError):
    """A query the Lab cannot run, with the command and what was expected."""


_TOKEN = re.compile(r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<regex>/(?:[^/\\]|\\.)+/)
    |(?P<number>-?\d+(?:\.\d+)?)|(?P<op>=~|!=|<=|>=|=|<|>|\(|\)|\[|\]|,)
    |(?P<word>[@A-Za-z_][\w.@-]*|\*))""", re.VERBOSE)  # fmt: skip
Condition = Callable[[dict[str, Any]], bool]


class _Parser:
    """Recursive descent over a filter: or > and > not > comparison."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            found = _TOKEN.match(text, position)
            if not found or found.end() == position:
                if text[position:].strip():
                    raise QueryError(f"cannot read the filter {text!r} at {text[position:]!r}")
                break
            kind = found.lastgroup or ""
            self.tokens.append((kind, found.group(kind)))
            position = found.end()
        self.position = 0

    def condition(self) -> Condition:
        result = self._or()
        if self.position != len(self.tokens):
            raise QueryError(
                f"unexpected {self.tokens[self.position][1]!r} in filter {self.text!r}"
            )
        return result

    def _peek(self) -> str:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else ""

    def _take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise QueryError(f"the filter {self.text!r} ends too early")
        self.position += 1
        return self.tokens[self.position - 1]

    def _or(self) -> Condition:
        parts = [self._and()]
        while self._peek().lower() == "or":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda row: any(part(row) for part in parts))

    def _and(self) -> Condition:
        parts = [self._not()]
        while self._peek().lower() == "and":
            self._take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else (lambda row: all(part(row) for part in parts))

    def _not(self) -> Condition:
        if self._peek().lower() == "not":
            self._take()
            inner = self._not()
            return lambda row: not inner(row)
        if self._peek() == "(":
            self._take()
            inner = self._or()
            if self._take()[1] != ")":
                raise QueryError(f"a ( is not closed in filter {self.text!r}")
            return inner
        return self._comparison()

    def _comparison(self) -> Condition:
        kind, word = self._take()
        if kind == "word" and word.lower() == "ispresent" and self._peek() == "(":
            self._take()
            field = self._take()[1]
            self._take()
            return lambda row: row.get(field) is not None
        if kind != "word":
            raise QueryError(f"a filter compares a field (got {word!r} in {self.text!r})")
        field = word
        operator = self._take()[1].lower()
        negate = False
        if operator == "not":
            negate, operator = True, self._take()[1].lower()
        if operator == "in":
            if self._take()[1] != "[":
                raise QueryError("in takes a list: in [1, 2]")
            choices = []
            while self._peek() != "]":
                choices.append(self._value(self._take()))
                if self._peek() == ",":
                    self._take()
            self._take()
            return lambda row: (row.get(field) in choices) != negate
        right = self._take()
        if operator in ("like", "=~"):
            if right[0] == "regex":
                pattern = re.compile(right[1][1:-1])
                return lambda row: bool(pattern.search(str(row.get(field, "")))) != negate
            text = self._value(right)
            return lambda row: (str(text) in str(row.get(field, ""))) != negate
        compare = _COMPARE.get(operator)
        if compare is None:
            raise QueryError(f"unknown operator {operator!r} in filter {self.text!r}")
        value = self._value(right)

        def check(row: dict[str, Any]) -> bool:
            found = row.get(field)
            if found is None:
                return False
            try:
                return bool(compare(number(found), value))
            except TypeError:  # text against a number: no match
                return False

        return check

    @staticmethod
    def _value(token: tuple[str, str]) -> Any:
        kind, text = token
        if kind == "string":
            return text[1:-1]
        if kind == "number":
            return float(text)
        return {"true": True, "false": False}.get(text, text)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}  # fmt: skip


def number(value: Any) -> Any:
    """Numbers found in text compare as numbers, as Insights does."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def condition(text: str) -> Condition:
    """The filter ``text`` as a test of one row."""
    return _Parser(text).condition()
