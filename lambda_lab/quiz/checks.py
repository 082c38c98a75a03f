"""`check`s: a question's key must equal a number in ``lambda_lab.limits`` or what a Lab
experiment returns, so that a quiz and the runtime can never disagree.

``check: {limit: TIMEOUT_MAX_S}`` or an expression over limits, e.g.
``check: {limit: "TIMEOUT_MAX_S // 60"}``, ``{limit: "ASYNC_RETRY_DELAYS_S[1]"}``,
``{limit: "MEMORY_MAX_MB == 3008"}`` (for a true/false question).
``check: {experiment: default_timeout_s}`` runs a function from ``experiments.py``.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import math
import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lambda_lab.quiz.model import Question

CHECK_FIELDS = ("limit", "experiment")


class CheckError(ValueError):
    """A check that cannot be evaluated: bad expression, unknown name, failed experiment."""


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


@lru_cache(maxsize=1)
def _limit_names() -> dict[str, Any]:
    """The public numbers, strings, tuples and helper functions of lambda_lab.limits."""
    from lambda_lab import limits

    names = {}
    for name in dir(limits):
        value = getattr(limits, name)
        usable = isinstance(value, (int, float, str, tuple)) or inspect.isfunction(value)
        if usable and not name.startswith("_"):
            names[name] = value
    return names


class _Evaluator:
    """Evaluates a tiny expression language: limits names, numbers, arithmetic, comparisons,
    indexing and calls of the helper functions in limits. Nothing else is reachable."""

    def __init__(self) -> None:
        self.names = _limit_names()

    def run(self, expression: str) -> Any:
        try:
            tree = ast.parse(expression.strip(), mode="eval")
        except SyntaxError as exc:
            raise CheckError(f"cannot read limit expression {expression!r}: {exc.msg}") from None
        return self.eval(tree.body)

    def eval(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.names:
                guess = difflib.get_close_matches(node.id, list(self.names), n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                raise CheckError(f"unknown limit '{node.id}'{hint}")
            return self.names[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.eval(node.operand))
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            values = [self.eval(node.left)] + [self.eval(c) for c in node.comparators]
            pairs = zip(node.ops, values, values[1:], strict=False)
            return all(_COMPARE[type(op)](left, right) for op, left, right in pairs)
        if isinstance(node, ast.BoolOp):
            values = [self.eval(v) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Subscript):
            return self.eval(node.value)[self.eval(node.slice)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            function = self.eval(node.func)
            if callable(function):
                return function(*[self.eval(a) for a in node.args])
        return self._refuse(node)

    @staticmethod
    def _refuse(node: ast.AST) -> Any:
        raise CheckError(f"'{ast.unparse(node)}' is not allowed in a limit expression")


def evaluate_limit(expression: str) -> Any:
    """The value of a limit expression; CheckError with the reason if it has none."""
    try:
        return _Evaluator().run(expression)
    except CheckError:
        raise
    except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
        raise CheckError(f"cannot evaluate limit expression {expression!r}: {exc}") from None


def agrees(key: Any, value: Any, tolerance: float = 0.0) -> bool:
    """Whether a question's key equals a checked value; true/false never equals 1/0."""
    if isinstance(key, bool) or isinstance(value, bool):
        return isinstance(key, bool) and isinstance(value, bool) and key == value
    numbers = (int, float)
    if isinstance(key, numbers) and isinstance(value, numbers):
        return math.isclose(key, value, rel_tol=1e-9, abs_tol=tolerance)
    return bool(key == value)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def verify(question: Question, *, run_experiments: bool = False) -> str | None:
    """Why the question's key disagrees with its check, or None when it agrees (or is skipped)."""
    check = question.check or {}
    if "limit" in check:
        value = evaluate_limit(str(check["limit"]))
        source = f"limit {check['limit']}"
    elif "experiment" in check and run_experiments:
        from lambda_lab.quiz.experiments import run_experiment

        value = run_experiment(check["experiment"])
        source = f"experiment {check['experiment']}"
    else:
        return None
    kind = question.kind
    key = kind.key_value(question)
    if not agrees(key, value, question.tolerance):
        return f"key {_shown(key)} disagrees with {source} = {_shown(value)}"
    if question.type == "single":
        for index, choice in enumerate(question.choices):
            if not choice.correct and choice.value is not None and agrees(choice.value, value):
                return f"choices[{index}] is wrong but also carries the value {_shown(value)}"
    return None
