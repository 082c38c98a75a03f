"""The leaf operators of EventBridge event patterns, each turned into a predicate on one value.

A leaf of a pattern is a JSON array such as ``["a", 3, {"prefix": "x"}]``; every element
becomes a predicate on one *present* event value (a string, number, ``true``/``false`` or
``null``). :mod:`.patterns` combines them into fields, objects and ``$or``. The names of the
checks and the wording of the reasons follow aws/event-ruler, the library behind EventBridge.

This module knows nothing about paths or error codes: a bad operator raises
:class:`InvalidOperator` with a reason, and :mod:`.patterns` adds where and which AWS error.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Callable
from typing import Any

from lambda_lab import limits

Predicate = Callable[[Any], bool]

# Field names that may not appear inside "$or" objects, as in event-ruler.
RESERVED_NAMES = frozenset(
    {"prefix", "suffix", "anything-but", "numeric", "cidr", "exists"}
    | {"equals-ignore-case", "wildcard"}
)
_NUMERIC_OPERATORS = ("=", "<", "<=", ">", ">=")


class InvalidOperator(ValueError):
    """A leaf of a pattern that AWS would refuse; the text is the reason."""


class JsonNumber(float):
    """A JSON number that remembers how it was written (``300``, ``300.0`` and ``3.0e2``).

    ESM filters compare numbers by that text; EventBridge compares them as numbers.
    """

    text: str

    def __new__(cls, text: str) -> JsonNumber:  # noqa: PYI034 (never subclassed)
        number = super().__new__(cls, text)
        number.text = text
        return number


def load_json(text: str) -> Any:
    """Parse JSON keeping each number's written form; NaN and Infinity are not JSON."""

    def reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON value")

    return json.loads(
        text, parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=reject_constant
    )


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_text(value: float) -> str:
    return value.text if isinstance(value, JsonNumber) else json.dumps(value)


def _comparable(value: float) -> int | None:
    """The number as event-ruler compares it: six decimals, within +-5.0e9, else None."""
    if not math.isfinite(value) or abs(value) > limits.PATTERN_NUMBER_MAX:
        return None
    return round(value * 10**limits.PATTERN_NUMBER_DECIMALS)


def numbers_equal(a: float, b: float, *, by_text: bool) -> bool:
    if number_text(a) == number_text(b):
        return True
    if by_text:
        return False
    left, right = _comparable(a), _comparable(b)
    return left is not None and left == right


def compile_leaf_value(element: Any, *, numbers_by_text: bool, esm: bool) -> Predicate:
    """One element of a leaf array: an exact value or a one-key operator object."""
    if isinstance(element, dict):
        return _compile_operator(element, numbers_by_text=numbers_by_text, esm=esm)
    return _exact(element, numbers_by_text=numbers_by_text)


def _exact(expected: Any, *, numbers_by_text: bool) -> Predicate:
    if isinstance(expected, str):
        return lambda value: isinstance(value, str) and value == expected
    if isinstance(expected, bool) or expected is None:
        return lambda value: value is expected
    if is_number(expected):
        return lambda value: (
            is_number(value) and numbers_equal(expected, value, by_text=numbers_by_text)
        )
    raise InvalidOperator("Match value must be String, number, true, false, or null")


def _single_key(expression: dict, what: str) -> tuple[str, Any]:
    if not expression:
        raise InvalidOperator(f"{what} name not found")
    if len(expression) > 1:
        raise InvalidOperator(
            f"Only one key allowed in match expression (got {', '.join(map(str, expression))})"
        )
    ((name, argument),) = expression.items()
    return name, argument


def _string_argument(name: str, argument: Any, *, allow_empty: bool = True) -> str:
    if not isinstance(argument, str):
        raise InvalidOperator(f"{name} match pattern must be a string (got {_kind(argument)})")
    if not allow_empty and not argument:
        raise InvalidOperator(f"{name} match pattern must not be empty")
    return argument


def _compile_operator(expression: dict, *, numbers_by_text: bool, esm: bool) -> Predicate:
    name, argument = _single_key(expression, "Match expression")
    if name in ("prefix", "suffix"):
        return _affix(name, argument)
    if name == "equals-ignore-case":
        folded = _string_argument(name, argument).lower()
        return lambda value: isinstance(value, str) and value.lower() == folded
    if name == "wildcard":
        return _wildcard(_string_argument(name, argument))
    if name == "numeric":
        return _numeric(argument)
    if name == "cidr":
        return _cidr(argument)
    if name == "anything-but":
        excluded = _anything_but(argument, numbers_by_text=numbers_by_text, esm=esm)
        return lambda value: not excluded(value)
    raise InvalidOperator(f"Unrecognized match type {name}")


def _affix(name: str, argument: Any, *, allow_empty: bool = True) -> Predicate:
    """prefix / suffix, plain or wrapped around equals-ignore-case."""
    ignore_case = False
    if isinstance(argument, dict):
        inner, argument = _single_key(argument, f"{name} expression")
        if inner != "equals-ignore-case":
            raise InvalidOperator(f"Unsupported {name} pattern: {inner}")
        ignore_case = True
    affix = _string_argument(name, argument, allow_empty=allow_empty)
    if ignore_case:
        affix = affix.lower()
    starts = name == "prefix"

    def matches(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        text = value.lower() if ignore_case else value
        return text.startswith(affix) if starts else text.endswith(affix)

    return matches


def wildcard_segments(pattern: str) -> list[str]:
    """The literal pieces between the stars of a wildcard.

    ``*`` is any run of characters (possibly none), ``\\*`` a star, ``\\\\`` a backslash;
    ``**`` and any other backslash are refused, as event-ruler does.
    """
    segments = [""]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1 : index + 2]
            if following not in ("*", "\\"):
                raise InvalidOperator(
                    f"Invalid use of backslash escape character at position {index} of wildcard"
                    f" {pattern!r}: only \\* and \\\\ are allowed"
                )
            segments[-1] += following
            index += 2
            continue
        if char == "*":
            if pattern[index + 1 : index + 2] == "*":
                raise InvalidOperator(
                    f"Consecutive wildcard characters at position {index} of wildcard {pattern!r}"
                )
            segments.append("")
        else:
            segments[-1] += char
        index += 1
    return segments


def _wildcard(pattern: str) -> Predicate:
    """Greedy left-to-right search of the pieces: linear work, unlike a backtracking regex."""
    segments = wildcard_segments(pattern)
    if len(segments) == 1:
        return lambda value: isinstance(value, str) and value == segments[0]
    first, *middle, last = segments

    def matches(value: Any) -> bool:
        if not isinstance(value, str) or len(value) < len(first) + len(last):
            return False
        if not (value.startswith(first) and value.endswith(last)):
            return False
        position, end = len(first), len(value) - len(last)
        for piece in middle:
            found = value.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
        return True

    return matches


def _numeric(argument: Any) -> Predicate:
    """``["=", 5]``, ``[">", 0]``, ``["<=", 9]`` or a lower and an upper bound in that order."""
    if not isinstance(argument, list):
        raise InvalidOperator(f"Value of numeric must be an array (got {_kind(argument)})")
    if len(argument) not in (2, 4):
        raise InvalidOperator(
            "numeric takes an operator and a number, or two of each for a range"
            f" (got {len(argument)} terms)"
        )
    bounds: list[tuple[str, int]] = []
    for position in range(0, len(argument), 2):
        operator, operand = argument[position], argument[position + 1]
        if operator not in _NUMERIC_OPERATORS:
            raise InvalidOperator(f"Unrecognized numeric range operator: {operator!r}")
        if not is_number(operand):
            raise InvalidOperator(f"Value of {operator} must be numeric (got {_kind(operand)})")
        comparable = _comparable(operand)
        if comparable is None:
            raise InvalidOperator(
                f"Value of {operator} must be between -{limits.PATTERN_NUMBER_MAX:,.0f}"
                f" and {limits.PATTERN_NUMBER_MAX:,.0f} (got {number_text(operand)})"
            )
        bounds.append((operator, comparable))
    if len(bounds) == 2:
        (low_op, low), (high_op, high) = bounds
        if low_op not in (">", ">=") or high_op not in ("<", "<="):
            raise InvalidOperator(
                f"A numeric range is a lower bound (> or >=) then an upper bound (< or <=);"
                f" got {low_op!r} then {high_op!r}"
            )
        if low >= high:
            raise InvalidOperator(
                "The lower bound of a numeric range must be below its upper bound"
            )

    def matches(value: Any) -> bool:
        if not is_number(value):
            return False
        number = _comparable(value)
        return number is not None and all(_compare(number, op, bound) for op, bound in bounds)

    return matches


def _compare(number: int, operator: str, bound: int) -> bool:
    if operator == "=":
        return number == bound
    if operator == "<":
        return number < bound
    if operator == "<=":
        return number <= bound
    if operator == ">":
        return number > bound
    return number >= bound


def _cidr(argument: Any) -> Predicate:
    text = _string_argument("cidr", argument)
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidOperator(f"Nonstandard IP address: {text!r}") from None

    def matches(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return matches


def _anything_but(argument: Any, *, numbers_by_text: bool, esm: bool) -> Predicate:
    """The predicate for what anything-but EXCLUDES; the caller negates it."""
    if isinstance(argument, dict):
        name, inner = _single_key(argument, "Anything-But expression")
        if esm:
            raise InvalidOperator(
                f"anything-but with {name} is not supported in event source mapping filters"
                " (only on EventBridge event buses)"
            )
        if name in ("prefix", "suffix"):
            return _affix(name, inner, allow_empty=False)
        if name in ("equals-ignore-case", "wildcard"):
            values = inner if isinstance(inner, list) else [inner]
            if not values:
                raise InvalidOperator(f"anything-but {name} list must not be empty")
            checks = [
                _compile_operator({name: value}, numbers_by_text=numbers_by_text, esm=esm)
                for value in values
            ]
            return lambda value: any(check(value) for check in checks)
        raise InvalidOperator(f"Unsupported anything-but pattern: {name}")
    values = argument if isinstance(argument, list) else [argument]
    if not values:
        raise InvalidOperator("Value of anything-but must not be an empty array")
    if all(isinstance(value, str) for value in values):
        strings = frozenset(values)
        return lambda value: isinstance(value, str) and value in strings
    if all(is_number(value) for value in values):
        return lambda value: (
            is_number(value)
            and any(numbers_equal(excluded, value, by_text=numbers_by_text) for excluded in values)
        )
    raise InvalidOperator(
        "Value of anything-but must be a string, a number, or an array of all strings or all"
        f" numbers (got {_kind(argument)})"
    )


def _kind(value: Any) -> str:
    """A JSON-ish name for what was given, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return f"number {number_text(value)}"
    if isinstance(value, str):
        return f"string {value[:60]!r}"
    if isinstance(value, (list, dict)):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            text = type(value).__name__
        return f"{'an array' if isinstance(value, list) else 'an object'} {text[:80]}"
    return type(value).__name__
