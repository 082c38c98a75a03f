"""EventBridge event patterns: one matcher shared by EventBridge rules and Lambda ESM filters.

A pattern mirrors the event: objects nest, leaves are arrays of allowed values or operator
objects, every named field must match (AND), any element of a leaf may match (OR), ``$or``
offers alternative sub-patterns. Compile once, match many::

    pattern = compile_pattern('{"source": ["aws.s3"], "detail": {"size": [{"numeric": [">", 0]}]}}')
    pattern.matches(event)  # -> bool

Two dialects share the code. ``"eventbridge"`` (rules on a bus) refuses bad patterns with
``InvalidEventPatternException`` and compares numbers as numbers. ``"esm"`` (FilterCriteria of
an event source mapping) answers ``InvalidParameterValueException``, compares numbers by their
written form (300 is not 300.0) and refuses anything-but with a nested operator, which
EventBridge Pipes and ESM filters lack.

Arrays in the event: a leaf matches when any array element matches; an object pattern must
match within ONE element of an array of objects (event-ruler's array consistency), and that
holds for ``exists: false`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lambda_lab.event_sources.matching.operators import (
    RESERVED_NAMES,
    InvalidOperator,
    Predicate,
    compile_leaf_value,
    is_number,
    load_json,
)

EVENTBRIDGE = "eventbridge"
ESM = "esm"
OR_KEY = "$or"
# Not an AWS number: a guard so that a pathological pattern gets our error, not a RecursionError.
MAX_PATTERN_DEPTH = 100


class PatternError(ValueError):
    """A pattern AWS would refuse: ``code`` is AWS's error name, ``message`` its text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class _Dialect:
    error_code: str
    preamble: str
    numbers_by_text: bool
    esm: bool


_DIALECTS = {
    EVENTBRIDGE: _Dialect(
        "InvalidEventPatternException", "Event pattern is not valid. Reason: ", False, False
    ),
    ESM: _Dialect(
        "InvalidParameterValueException", "Invalid filter pattern definition. Reason: ", True, True
    ),
}


@dataclass(frozen=True)
class Leaf:
    """An array of allowed values: predicates on present values, plus the exists flags."""

    predicates: tuple[Predicate, ...]
    accepts_present: bool  # {"exists": true}
    accepts_absent: bool  # {"exists": false}

    def matches(self, raw: Any) -> bool:
        values = _leaf_values(raw)
        if not values:
            return self.accepts_absent
        if self.accepts_present:
            return True
        return any(predicate(value) for value in values for predicate in self.predicates)


@dataclass(frozen=True)
class Node:
    """An object of the pattern: named fields (AND) and ``$or`` groups of alternatives."""

    fields: tuple[tuple[str, Node | Leaf], ...]
    alternatives: tuple[Node, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        for name, child in self.fields:
            raw = obj.get(name, _MISSING)
            if isinstance(child, Leaf):
                if not child.matches(raw):
                    return False
            elif not any(child.matches(candidate) for candidate in _objects_in(raw)):
                return False
        return not self.alternatives or any(alt.matches(obj) for alt in self.alternatives)

    def kinds_of(self, name: str) -> set[str]:
        """How this node and its ``$or`` branches pattern ``name``: "object" and/or "value"."""
        kinds = {
            "value" if isinstance(child, Leaf) else "object"
            for field, child in self.fields
            if field == name
        }
        for alternative in self.alternatives:
            kinds |= alternative.kinds_of(name)
        return kinds


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _leaf_values(raw: Any) -> list[Any]:
    """The scalar values a field holds: arrays are flattened, objects are not leaves."""
    if raw is _MISSING or isinstance(raw, Mapping):
        return []
    if not isinstance(raw, list):
        return [raw]
    values: list[Any] = []
    pending = list(raw)  # a loop, not recursion: event arrays may nest arbitrarily deep
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif not isinstance(item, Mapping):
            values.append(item)
    return values


def _objects_in(raw: Any) -> list[Mapping[str, Any]]:
    """The objects an object pattern may match against; none present means an empty one."""
    if isinstance(raw, Mapping):
        return [raw]
    found: list[Mapping[str, Any]] = []
    pending = [raw] if isinstance(raw, list) else []
    while pending:
        item = pending.pop()
        if isinstance(item, Mapping):
            found.append(item)
        elif isinstance(item, list):
            pending.extend(item)
    return found or [{}]


class EventPattern:
    """A validated, compiled pattern. ``source`` is what was given, ``dialect`` which rules."""

    def __init__(self, root: Node, source: Any, dialect: str) -> None:
        self.root = root
        self.source = source
        self.dialect = dialect

    def matches(self, event: Mapping[str, Any] | str) -> bool:
        """True when the event (an object, or its JSON text) satisfies the pattern."""
        if isinstance(event, str):
            try:
                event = load_json(event)
            except ValueError:
                return False
        if not isinstance(event, Mapping):
            return False
        return self.root.matches(event)

    def __repr__(self) -> str:
        return f"EventPattern({self.source!r}, dialect={self.dialect!r})"


def compile_pattern(
    pattern: str | Mapping[str, Any], *, dialect: str = EVENTBRIDGE
) -> EventPattern:
    """Validate and compile a pattern (JSON text or a dict); raise :class:`PatternError`."""
    if dialect not in _DIALECTS:
        raise ValueError(f"dialect must be one of {sorted(_DIALECTS)} (got {dialect!r})")
    rules = _DIALECTS[dialect]
    document: Any = pattern
    if isinstance(pattern, str):
        try:
            document = load_json(pattern)
        except RecursionError:
            raise _error(rules, "the pattern nests too deeply", []) from None
        except ValueError as exc:
            raise _error(rules, f"Filter is not valid JSON: {exc}", []) from None
    if not isinstance(document, Mapping):
        raise _error(rules, "Filter is not an object", [])
    return EventPattern(_Builder(rules).node(document, [], inside_or=False), pattern, dialect)


def matches(
    pattern: str | Mapping[str, Any],
    event: Mapping[str, Any] | str,
    *,
    dialect: str = EVENTBRIDGE,
) -> bool:
    """One-off check; compile once with :func:`compile_pattern` when matching many events."""
    return compile_pattern(pattern, dialect=dialect).matches(event)


def _error(rules: _Dialect, reason: str, path: list[str | int]) -> PatternError:
    where = f" at {_format_path(path)}" if path else ""
    return PatternError(rules.error_code, f"{rules.preamble}{reason}{where}")


def _format_path(path: list[str | int]) -> str:
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text


class _Builder:
    """Walks a pattern document, validating as it builds the Node/Leaf tree."""

    def __init__(self, rules: _Dialect) -> None:
        self.rules = rules

    def fail(self, reason: str, path: list[str | int]) -> PatternError:
        return _error(self.rules, reason, path)

    def node(self, document: Mapping[str, Any], path: list[str | int], *, inside_or: bool) -> Node:
        if len(path) > MAX_PATTERN_DEPTH:
            raise self.fail(f"the pattern nests deeper than {MAX_PATTERN_DEPTH} levels", path)
        if not document:
            raise self.fail("Empty objects are not allowed", path)
        fields: list[tuple[str, Node | Leaf]] = []
        alternatives: tuple[Node, ...] = ()
        for name, value in document.items():
            here = [*path, name]
            if not isinstance(name, str):
                raise self.fail(f"field names must be strings (got {name!r})", path)
            if name == OR_KEY:
                alternatives = self.alternatives(value, here)
                continue
            if inside_or and name in RESERVED_NAMES:
                raise self.fail(
                    f"{name} is a reserved field name which cannot be used inside $or", here
                )
            if isinstance(value, Mapping):
                fields.append((name, self.node(value, here, inside_or=inside_or)))
            elif isinstance(value, list):
                fields.append((name, self.leaf(value, here)))
            else:
                raise self.fail(f'"{name}" must be an object or an array', here)
        return Node(tuple(fields), alternatives)

    def alternatives(self, value: Any, path: list[str | int]) -> tuple[Node, ...]:
        if not isinstance(value, list):
            raise self.fail("$or must be followed by an array of objects", path)
        branches = []
        for index, branch in enumerate(value):
            if not isinstance(branch, Mapping):
                raise self.fail("Only JSON objects are allowed in the array of $or", [*path, index])
            branches.append(self.node(branch, [*path, index], inside_or=True))
        if len(branches) < 2:
            raise self.fail(f"$or needs at least 2 objects (got {len(branches)})", path)
        return tuple(branches)

    def leaf(self, elements: list[Any], path: list[str | int]) -> Leaf:
        if not elements:
            raise self.fail("Empty arrays are not allowed", path)
        predicates: list[Predicate] = []
        accepts_present = accepts_absent = False
        for index, element in enumerate(elements):
            here = [*path, index]
            if isinstance(element, Mapping) and "exists" in element:
                exists = element["exists"]
                if len(element) != 1:
                    raise self.fail("Only one key allowed in match expression", here)
                if not isinstance(exists, bool):
                    raise self.fail("exists match pattern must be either true or false", here)
                accepts_present |= exists
                accepts_absent |= not exists
                continue
            if not (
                isinstance(element, (str, bool, Mapping)) or element is None or is_number(element)
            ):
                raise self.fail("Match value must be String, number, true, false, or null", here)
            try:
                predicates.append(
                    compile_leaf_value(
                        dict(element) if isinstance(element, Mapping) else element,
                        numbers_by_text=self.rules.numbers_by_text,
                        esm=self.rules.esm,
                    )
                )
            except InvalidOperator as exc:
                raise self.fail(str(exc), here) from None
        return Leaf(tuple(predicates), accepts_present, accepts_absent)
