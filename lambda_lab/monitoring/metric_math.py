"""CloudWatch metric math for alarms: PutMetricAlarm's ``Metrics`` list.

Each item (a MetricDataQuery) has an ``Id`` (a lowercase letter, then letters, digits and
underscores) and either a ``MetricStat`` (one metric, a period, a statistic) or an
``Expression`` over the ids of other items. Exactly one item returns data (``ReturnData`` is
true unless set false): the series the alarm compares with its threshold. An alarm takes up
to 20 items, at most 10 of each kind.

Period by period, a MetricStat gives its statistic, or nothing when the period has no data,
and the expression is computed from those numbers. The Lab evaluates numbers, ids, ``+ - * /``,
parentheses, ``ABS(x)`` and ``FILL(x, value)`` (the value for a period without data).
Arithmetic with a period that has no data gives no data, as CloudWatch keeps only the
timestamps all operands share; a division by zero gives none either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ID = re.compile(r"[a-z][A-Za-z0-9_]*\Z")
ITEMS_MAX, OF_EACH_KIND_MAX = 20, 10
FUNCTIONS = ("ABS", "FILL")
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\S))")

# An expression, parsed: ("num", value) | ("ref", id) | ("neg", node) | (operator, left, right)
# | ("ABS", node) | ("FILL", node, value).
Node = tuple[Any, ...]


class MathError(ValueError):
    """A Metrics list or expression the Lab cannot evaluate, with what was expected."""


@dataclass(frozen=True)
class MetricStat:
    id: str
    namespace: str
    metric_name: str
    dimensions: dict[str, str]
    stat: str
    period_s: int


@dataclass(frozen=True)
class MetricMath:
    stats: dict[str, MetricStat]
    expressions: dict[str, Node]
    returned: str  # the id of the item whose series the alarm watches

    @property
    def period_s(self) -> int:
        return next(iter(self.stats.values())).period_s

    def value(self, stat_of: Callable[[MetricStat], float | None]) -> float | None:
        """The returned item's value for one period; ``stat_of`` gives a MetricStat's."""
        known: dict[str, float | None] = {}

        def of(item: str) -> float | None:
            if item not in known:
                stat = self.stats.get(item)
                known[item] = stat_of(stat) if stat else _compute(self.expressions[item], of)
            return known[item]

        return of(self.returned)


def parse(items: Any, where: str = "Metrics") -> MetricMath:
    """Check a Metrics list as PutMetricAlarm does; raises MathError naming the item."""
    if not isinstance(items, list) or not 1 <= len(items) <= ITEMS_MAX:
        raise MathError(f"{where}: a list of 1 to {ITEMS_MAX} MetricDataQuery items")
    stats: dict[str, MetricStat] = {}
    expressions: dict[str, str] = {}
    returning: list[str] = []
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if not isinstance(item, dict):
            raise MathError(f"{here}: a MetricDataQuery (Id with MetricStat or Expression)")
        item_id = str(item.get("Id", ""))
        if not ID.match(item_id):
            raise MathError(
                f"{here}.Id: a lowercase letter, then letters, digits or _ (got {item_id!r})"
            )
        if item_id in stats or item_id in expressions:
            raise MathError(f"{here}.Id: {item_id!r} is used twice")
        if ("MetricStat" in item) == ("Expression" in item):
            raise MathError(f"{here}: exactly one of MetricStat and Expression")
        if "MetricStat" in item:
            stats[item_id] = _metric_stat(item_id, item["MetricStat"], f"{here}.MetricStat")
        else:
            expressions[item_id] = str(item["Expression"])
        if item.get("ReturnData", True) is not False:
            returning.append(item_id)
    if len(stats) > OF_EACH_KIND_MAX or len(expressions) > OF_EACH_KIND_MAX:
        raise MathError(f"{where}: at most {OF_EACH_KIND_MAX} MetricStat and 10 Expression items")
    if len(returning) != 1:
        raise MathError(
            f"{where}: exactly one item returns data, the one the alarm watches (ReturnData "
            f"is true unless set false; true here: {', '.join(returning) or 'none'})"
        )
    if not stats:
        raise MathError(f"{where}: at least one MetricStat for the expressions to work on")
    periods = {stat.period_s for stat in stats.values()}
    if len(periods) > 1:  # UNCONFIRMED: the Lab evaluates every metric on one period
        raise MathError(f"{where}: every MetricStat with the same Period (got {sorted(periods)})")
    parsed = {
        item_id: _Parser(text, f"{where} {item_id}").parse()
        for item_id, text in expressions.items()
    }
    for item_id, node in parsed.items():
        _check_references(item_id, node, stats, parsed, where)
    return MetricMath(stats, parsed, returning[0])


def _metric_stat(item_id: str, spec: Any, where: str) -> MetricStat:
    metric = spec.get("Metric") if isinstance(spec, dict) else None
    if not isinstance(metric, dict) or not metric.get("MetricName") or not metric.get("Namespace"):
        raise MathError(f"{where}: Metric with Namespace and MetricName, Period and Stat")
    for required in ("Period", "Stat"):
        if required not in spec:
            raise MathError(f"{where}: needs {required}")
    return MetricStat(
        item_id,
        str(metric["Namespace"]),
        str(metric["MetricName"]),
        {str(d["Name"]): str(d["Value"]) for d in metric.get("Dimensions") or []},
        str(spec["Stat"]),
        int(spec["Period"]),
    )


def _check_references(
    item_id: str, node: Node, stats: dict[str, MetricStat], parsed: dict[str, Node], where: str
) -> None:
    """Every id an expression names exists, and no expression depends on itself."""
    seen: set[str] = set()
    waiting = [item_id]
    while waiting:
        current = waiting.pop()
        for name in _references(parsed[current]):
            if name == item_id:
                raise MathError(f"{where} {item_id}: the expression depends on itself")
            if name not in stats and name not in parsed:
                raise MathError(
                    f"{where} {item_id}: no item with Id {name!r} (ids: "
                    f"{', '.join(sorted([*stats, *parsed]))})"
                )
            if name in parsed and name not in seen:
                seen.add(name)
                waiting.append(name)


def _references(node: Node) -> list[str]:
    if node[0] == "ref":
        return [node[1]]
    if node[0] == "num":
        return []
    return [name for child in node[1:] if isinstance(child, tuple) for name in _references(child)]


def _compute(node: Node, of: Callable[[str], float | None]) -> float | None:
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "ref":
        return of(node[1])
    value = _compute(node[1], of)
    if kind == "FILL":
        return float(node[2]) if value is None else value
    if value is None:
        return None
    if kind == "neg":
        return -value
    if kind == "ABS":
        return abs(value)
    other = _compute(node[2], of)
    if other is None:
        return None
    if kind == "+":
        return value + other
    if kind == "-":
        return value - other
    if kind == "*":
        return value * other
    return None if other == 0 else value / other  # UNCONFIRMED: CloudWatch drops the point


class _Parser:
    """A recursive-descent parser of the arithmetic subset, with errors that point at the text."""

    def __init__(self, text: str, where: str) -> None:
        self.text, self.where = text, where
        self.tokens: list[tuple[str, str]] = []
        for match in _TOKEN.finditer(text):
            number, name, symbol = match.groups()
            if number is not None:
                self.tokens.append(("num", number))
            elif name is not None:
                self.tokens.append(("name", name))
            elif symbol is not None:
                self.tokens.append(("sym", symbol))
        self.at = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise self._error("an expression such as 100 * m1 / m2")
        node = self._sum()
        if self.at < len(self.tokens):
            raise self._error(f"an operator or the end, not {self.tokens[self.at][1]!r}")
        return node

    def _sum(self) -> Node:
        node = self._product()
        while self._peek() in ("+", "-"):
            operator = self._take()
            node = (operator, node, self._product())
        return node

    def _product(self) -> Node:
        node = self._unary()
        while self._peek() in ("*", "/"):
            operator = self._take()
            node = (operator, node, self._unary())
        return node

    def _unary(self) -> Node:
        if self._peek() == "-":
            self._take()
            return ("neg", self._unary())
        return self._primary()

    def _primary(self) -> Node:
        if self.at >= len(self.tokens):
            raise self._error("a number, an id or ( after the last operator")
        kind, text = self.tokens[self.at]
        self.at += 1
        if kind == "num":
            return ("num", float(text))
        if kind == "sym" and text == "(":
            node = self._sum()
            self._expect(")")
            return node
        if kind == "name" and self._peek() == "(":
            return self._call(text)
        if kind == "name":
            return ("ref", text)
        raise self._error(f"a number, an id or (, not {text!r}")

    def _call(self, name: str) -> Node:
        if name not in FUNCTIONS:
            raise self._error(
                f"one of the functions the Lab evaluates ({', '.join(FUNCTIONS)}), not {name}"
            )
        self._expect("(")
        argument = self._sum()
        if name == "ABS":
            self._expect(")")
            return ("ABS", argument)
        self._expect(",")
        negative = self._peek() == "-" and bool(self._take())
        if self.at >= len(self.tokens) or self.tokens[self.at][0] != "num":
            raise self._error("FILL(x, value) with a number as its value")
        value = float(self.tokens[self.at][1]) * (-1 if negative else 1)
        self.at += 1
        self._expect(")")
        return ("FILL", argument, value)

    def _peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def _take(self) -> str:
        token = self.tokens[self.at][1]
        self.at += 1
        return token

    def _expect(self, symbol: str) -> None:
        if self._peek() != symbol:
            raise self._error(f"{symbol!r}")
        self.at += 1

    def _error(self, expected: str) -> MathError:
        return MathError(f"{self.where}: {self.text!r}: expected {expected}")
