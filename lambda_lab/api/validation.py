"""AWS's request validation, read from botocore's service model for Lambda.

Every operation's input is checked against its shape before the Lab acts: required members,
string lengths, patterns, enums, number ranges, list and map constraints, at any depth.
Violations come back the way AWS's front end words them, all at once::

    1 validation error detected: Value 'r1' at 'role' failed to satisfy constraint:
    Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/...

Member paths are the wire names with their first letter lowered, as AWS prints them
(``memorySize``, ``routingConfig.additionalVersionWeights``). Wrong JSON types never reach
boto3 users (botocore checks them first); from raw HTTP or Python they get
InvalidParameterValueException naming the member and the type expected.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from lambda_lab import errors

_NUMBERS = ("integer", "long", "float", "double")
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "blob": (bytes, bytearray, memoryview, str),
    "timestamp": (int, float, str),
    "list": (list, tuple),
    "map": (dict,),
    "structure": (dict,),
}
NOT_NULL = "Member must not be null"
# Members whose enum AWS checks itself, in its own words, not in its request validation:
# CreateFunction's Runtime answers InvalidParameterValueException "... or be a valid ARN".
SERVICE_CHECKED_ENUMS = frozenset({"runtime"})


def validate(shape: Any, params: dict[str, Any]) -> None:
    """Raise ValidationException listing every violation of ``shape`` by ``params``."""
    if shape is None:
        return
    problems: list[str] = []
    _structure(shape, params, "", problems)
    if problems:
        raise errors.validation_error(problems)


def wire_name(member: str) -> str:
    """``MemorySize`` -> ``memorySize``; ``UUID`` and ``KMSKeyArn`` stay (Java beans' rule)."""
    if len(member) > 1 and member[:2].isupper():
        return member
    return member[:1].lower() + member[1:]


def _structure(shape: Any, value: dict[str, Any], path: str, problems: list[str]) -> None:
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(errors.violation(_join(path, name), None, NOT_NULL))
    for name, member in shape.members.items():
        if value.get(name) is not None:
            _check(member, value[name], _join(path, name), problems)


def _join(path: str, member: str) -> str:
    return f"{path}.{wire_name(member)}" if path else wire_name(member)


def _check(shape: Any, given: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    expected = _PYTHON_TYPES.get(kind, (object,))
    value: Any = given
    if not isinstance(given, expected) or (kind in _NUMBERS and isinstance(given, bool)):
        noun = {"structure": "an object", "map": "an object", "list": "a list"}.get(kind, kind)
        raise errors.InvalidParameterValueException(
            f"Value at '{path}' must be {noun if noun.startswith('a') else 'a ' + noun} "
            f"(got {type(value).__name__}: {value!r:.80})"
        )
    if kind == "structure":
        _structure(shape, value, path, problems)
    elif kind == "list":
        problems += [errors.violation(path, value, r) for r in _length_rules(shape, len(value))]
        member = shape.member
        if any(_scalar_rules(member, item) for item in value if _is_scalar(member)):
            listed = ", ".join([*_all_rules(member), NOT_NULL])
            rule = f"Member must satisfy constraint: [{listed}]"
            problems.append(errors.violation(path, value, rule))
        if member.type_name == "structure":
            for item in value:
                _check(member, item, path, problems)
    elif kind == "map":
        for part, member, items in (
            ("keys", shape.key, list(value)),
            ("value", shape.value, list(value.values())),
        ):
            if _is_scalar(member) and any(_scalar_rules(member, item) for item in items):
                listed = ", ".join([*_all_rules(member), NOT_NULL])
                rule = f"Map {part} must satisfy constraint: [{listed}]"
                problems.append(errors.violation(path, value, rule))
    else:
        rules = _scalar_rules(shape, value, enum=path not in SERVICE_CHECKED_ENUMS)
        problems += [errors.violation(path, value, rule) for rule in rules]


def _is_scalar(shape: Any) -> bool:
    return shape.type_name in ("string", *_NUMBERS)


def _length_rules(shape: Any, length: int) -> list[str]:
    limits = shape.metadata
    rules = []
    if "max" in limits and length > limits["max"]:
        rules.append(f"Member must have length less than or equal to {limits['max']}")
    if "min" in limits and length < limits["min"]:
        rules.append(f"Member must have length greater than or equal to {limits['min']}")
    return rules


def _scalar_rules(shape: Any, value: Any, enum: bool = True) -> list[str]:
    """The rules a string or number breaks (empty when it keeps them all)."""
    limits = shape.metadata
    if shape.type_name in _NUMBERS:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return []
        rule = errors.range_rule(value, limits.get("min"), limits.get("max"))
        return [rule] if rule else []
    if not isinstance(value, str):
        return []
    rules = _length_rules(shape, len(value))
    if "pattern" in limits and not _fits(limits["pattern"], value):
        rules.append(f"Member must satisfy regular expression pattern: {limits['pattern']}")
    if enum and shape.enum and value not in shape.enum:
        rules.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    return rules


def _all_rules(shape: Any) -> list[str]:
    """Every rule of a member shape, in AWS's order, for list and map messages."""
    limits = shape.metadata
    if shape.type_name in _NUMBERS:
        return [
            *([f"Member must have value less than or equal to {limits['max']}"] if "max" in limits else []),
            *([f"Member must have value greater than or equal to {limits['min']}"] if "min" in limits else []),
        ]  # fmt: skip
    rules = []
    if "max" in limits:
        rules.append(f"Member must have length less than or equal to {limits['max']}")
    if "min" in limits:
        rules.append(f"Member must have length greater than or equal to {limits['min']}")
    if "pattern" in limits:
        rules.append(f"Member must satisfy regular expression pattern: {limits['pattern']}")
    if shape.enum:
        rules.append(f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
    return rules


def _fits(pattern: str, value: str) -> bool:
    """Does ``value`` match the model's ``pattern`` whole? Short values (names, ARNs) come
    back again and again: their answers are remembered."""
    if len(value) > 256:
        return _pattern(pattern).fullmatch(value) is not None
    return _fits_short(pattern, value)


@functools.lru_cache(maxsize=1024)
def _fits_short(pattern: str, value: str) -> bool:
    return _pattern(pattern).fullmatch(value) is not None


@functools.lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    """A model pattern (Java syntax) compiled for Python: Unicode classes become \\w, \\s, \\d."""
    python = text.replace(r"\p{L}", r"\w").replace(r"\p{Z}", r"\s").replace(r"\p{N}", r"\d")
    return re.compile(python, re.DOTALL)
