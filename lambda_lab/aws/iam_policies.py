"""IAM policy evaluation: does a set of policy documents allow an action on a resource?

The rules are IAM's (IAM User Guide, "Policy evaluation logic"), for one account:

* an explicit ``Deny`` in any statement that applies wins;
* otherwise an ``Allow`` that applies allows;
* otherwise the answer is an implicit deny (nothing allowed it).

A statement applies when its ``Action`` (or ``NotAction``), ``Resource`` (or ``NotResource``),
``Principal`` (resource-based policies) and every ``Condition`` match. Actions match without
regard to case; ARNs and ``*``/``?`` wildcards as IAM matches them. Condition operators:
the String, Arn, Numeric, Bool and IpAddress families, with ``...IfExists``; context keys
match without regard to case. ``ForAnyValue``/``ForAllValues`` and policy variables are not
implemented: a policy using them is refused with a message rather than misjudged.

Used by the Lab's API Gateway door (authorizer policies, ``execute-api:InvalidateCache``,
API resource policies), by its checks of functions' resource-based policies, and by the
execution-role checks of lesson 11.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

ContextValue = str | list[str]


class Decision(enum.Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"

    @property
    def allowed(self) -> bool:
        return self is Decision.ALLOW


class PolicyError(ValueError):
    """A policy document the evaluator cannot judge (malformed, or beyond its subset)."""


def evaluate(
    policies: Iterable[Mapping[str, Any] | str],
    action: str,
    resource: str,
    *,
    principal: str | None = None,
    context: Mapping[str, ContextValue] | None = None,
) -> Decision:
    """IAM's decision for ``action`` on ``resource`` under ``policies`` (documents or JSON).

    ``principal`` is the caller (an ARN, an account id or a service such as
    ``apigateway.amazonaws.com``); give it for resource-based policies, whose statements
    name a ``Principal``. ``context`` holds condition keys (``aws:SourceArn``...).
    """
    lowered = {key.lower(): value for key, value in (context or {}).items()}
    allowed = False
    for policy in policies:
        for statement in _statements(policy):
            if not _applies(statement, action, resource, principal, lowered):
                continue
            if statement.get("Effect") == "Deny":
                return Decision.EXPLICIT_DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _statements(policy: Mapping[str, Any] | str) -> list[Mapping[str, Any]]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            raise PolicyError(f"a policy must be JSON ({exc})") from None
    if not isinstance(policy, Mapping) or "Statement" not in policy:
        raise PolicyError(f"a policy document has a 'Statement' (got {policy!r})")
    statements = policy["Statement"]
    statements = [statements] if isinstance(statements, Mapping) else statements
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyError(f"each statement needs Effect 'Allow' or 'Deny' (got {statement!r})")
        variable = _POLICY_VARIABLE.search(json.dumps(statement))
        if variable:  # compared as plain text it would be misjudged, never refused
            raise PolicyError(
                f"policy variables such as {variable.group(0)} are not ones the Lab evaluates"
            )
    return list(statements)


_POLICY_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _applies(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    principal: str | None,
    context: Mapping[str, ContextValue],
) -> bool:
    if "NotAction" in statement:
        if any(_glob(p, action, fold=True) for p in _list(statement["NotAction"])):
            return False
    elif not any(_glob(p, action, fold=True) for p in _list(statement.get("Action"))):
        return False
    if "NotResource" in statement:
        if any(_glob(p, resource) for p in _list(statement["NotResource"])):
            return False
    elif "Resource" in statement and not any(
        _glob(p, resource) for p in _list(statement["Resource"])
    ):
        return False
    if "Principal" in statement and not _principal_matches(statement["Principal"], principal):
        return False
    if "NotPrincipal" in statement and _principal_matches(statement["NotPrincipal"], principal):
        return False
    return all(
        _condition(operator, key, expected, context)
        for operator, block in (statement.get("Condition") or {}).items()
        for key, expected in block.items()
    )


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _glob(pattern: str, value: str, fold: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters (slashes and colons too), ``?`` one."""
    if fold:
        pattern, value = pattern.lower(), value.lower()
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def account_of(principal: str) -> str | None:
    """The account id of an IAM ARN or an account id; None for a service."""
    if re.fullmatch(r"\d{12}", principal):
        return principal
    found = re.match(r"arn:aws[\w-]*:(?:iam|sts)::(\d{12}):", principal)
    return found.group(1) if found else None


def _principal_matches(expected: Any, principal: str | None) -> bool:
    if principal is None:
        return False
    if expected == "*":
        return True
    if not isinstance(expected, Mapping):
        raise PolicyError(f"Principal is '*' or a map such as {{'AWS': ...}} (got {expected!r})")
    for kind, values in expected.items():
        for value in _list(values):
            if value == "*" or value == principal:
                return True
            is_account = re.fullmatch(r"\d{12}", value) or value.endswith(":root")
            if kind == "AWS" and is_account and account_of(value) == account_of(principal):
                return True  # an account principal stands for every identity in it
    return False


_OPERATORS = re.compile(
    r"(String(?:Not)?Equals(?:IgnoreCase)?|String(?:Not)?Like|Arn(?:Not)?(?:Equals|Like)"
    r"|Numeric(?:Not)?Equals|Numeric(?:Less|Greater)Than(?:Equals)?|Bool|(?:Not)?IpAddress)"
    r"(IfExists)?\Z"
)


def _condition(operator: str, key: str, expected: Any, context: Mapping[str, ContextValue]) -> bool:
    found = _OPERATORS.match(operator)
    if found is None:
        raise PolicyError(
            f"condition operator {operator!r} is not one the Lab evaluates "
            "(String*, Arn*, Numeric*, Bool, IpAddress, NotIpAddress, with IfExists)"
        )
    name, if_exists = found.group(1), bool(found.group(2))
    actual = context.get(key.lower())
    negated = "Not" in name
    if actual is None:
        return if_exists or negated
    actual_values = _list(actual)
    wanted = _list(expected)
    matches = any(_compare(name, a, w) for a in actual_values for w in wanted)
    return not matches if negated else matches


def _compare(name: str, actual: str, wanted: str) -> bool:
    base = name.replace("Not", "")
    if base in ("StringEquals", "ArnEquals"):
        return actual == wanted
    if base == "StringEqualsIgnoreCase":
        return actual.lower() == wanted.lower()
    if base in ("StringLike", "ArnLike"):
        return _glob(wanted, actual)
    if base == "Bool":
        return actual.lower() == wanted.lower()
    if base == "IpAddress":
        try:
            return ipaddress.ip_address(actual) in ipaddress.ip_network(wanted, strict=False)
        except ValueError:
            return False
    try:
        left, right = float(actual), float(wanted)
    except ValueError:
        return False
    return {
        "NumericEquals": left == right,
        "NumericLessThan": left < right,
        "NumericLessThanEquals": left <= right,
        "NumericGreaterThan": left > right,
        "NumericGreaterThanEquals": left >= right,
    }[base]


def matches_arn(pattern: str, arn: str) -> bool:
    """An ARN against an ARN pattern with IAM's wildcards (not fnmatch's: no [] classes)."""
    return _glob(pattern, arn)
