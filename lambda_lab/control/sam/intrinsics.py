"""CloudFormation's intrinsic functions, evaluated against what a deployment knows so far.

A template refers to its parameters, to pseudo parameters (``AWS::Region``,
``AWS::StackName``...) and to other resources (``!Ref Queue`` is the queue's URL,
``!GetAtt Queue.Arn`` its ARN). :class:`Resolver` replaces every ``Ref`` and ``Fn::`` in a
value with what it stands for. What a resource's ``Ref`` and attributes are comes from a
callback, so the resolver knows nothing about resources itself.

Supported: Ref, Fn::Sub (both forms), Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::If,
Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::Base64, Fn::GetAZs,
Fn::ToJsonString, Fn::Length, Condition. ``AWS::NoValue`` removes the property that holds it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from lambda_lab.control.sam.yaml_loader import TemplateError


class _NoValue:
    """What ``!Ref AWS::NoValue`` evaluates to: the enclosing property disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")

# (logical id, attribute or None for Ref) -> value; raises TemplateError when unknown.
Lookup = Callable[[str, str | None], Any]


class Resolver:
    """Evaluates intrinsic functions; ``where`` in errors says which property held them."""

    def __init__(
        self,
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        lookup: Lookup,
        *,
        conditions: dict[str, bool] | None = None,
        mappings: dict[str, Any] | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.parameters = parameters
        self.pseudo = pseudo
        self.lookup = lookup
        self.conditions = conditions if conditions is not None else {}
        self.mappings = mappings or {}
        self.region = region

    # -- the walk -----------------------------------------------------------------------------
    def resolve(self, value: Any, where: str = "") -> Any:
        if isinstance(value, list):
            items = [self.resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument, where)
            if key == "Condition" and isinstance(argument, str):
                return self.condition(argument, where)
            if key.startswith("Fn::"):
                return self._function(key[4:], argument, where)
        resolved = {k: self.resolve(v, f"{where}.{k}" if where else k) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def condition(self, name: str, where: str = "") -> bool:
        if name not in self.conditions:
            raise TemplateError(f"{where or 'template'}: unknown condition {name!r}")
        return self.conditions[name]

    # -- Ref ----------------------------------------------------------------------------------
    def _ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref expects a name (got {name!r})")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name.startswith("AWS::"):
            raise TemplateError(f"{where}: unknown pseudo parameter {name!r}")
        if name in self.parameters:
            return self.parameters[name]
        return self.lookup(name, None)

    # -- Fn:: ---------------------------------------------------------------------------------
    def _function(self, name: str, argument: Any, where: str) -> Any:
        method = getattr(self, f"_fn_{name.lower()}", None)
        if method is None:
            raise TemplateError(f"{where}: Fn::{name} is not supported by the Lab")
        return method(argument, where)

    def _fn_getatt(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(
                f"{where}: Fn::GetAtt expects [Resource, Attribute] (got {argument!r})"
            )
        resource, attribute = (self.resolve(part, where) for part in argument)
        return self.lookup(str(resource), str(attribute))

    def _fn_sub(self, argument: Any, where: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise TemplateError(f"{where}: Fn::Sub expects a string or [string, {{variables}}]")
            argument, given = argument
            variables = {k: self.resolve(v, where) for k, v in given.items()}
        if not isinstance(argument, str):
            raise TemplateError(f"{where}: Fn::Sub expects a string (got {argument!r})")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):  # ${!Literal} is written as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                value = self.lookup(resource, attribute)
            else:
                value = self._ref(name, where)
            return _as_text(value, f"{where}: ${{{name}}}")

        return _PLACEHOLDER.sub(replace, argument)

    def _fn_join(self, argument: Any, where: str) -> str:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: Fn::Join expects [delimiter, [values]]")
        delimiter, values = argument[0], self.resolve(argument[1], where)
        if not isinstance(values, list):
            raise TemplateError(f"{where}: Fn::Join expects a list of values (got {values!r})")
        return str(delimiter).join(_as_text(v, where) for v in values)

    def _fn_select(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: Fn::Select expects [index, [values]]")
        index, values = self.resolve(argument[0], where), self.resolve(argument[1], where)
        try:
            return values[int(index)]
        except (IndexError, ValueError, TypeError):
            raise TemplateError(
                f"{where}: Fn::Select index {index!r} is outside {values!r}"
            ) from None

    def _fn_split(self, argument: Any, where: str) -> list[str]:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: Fn::Split expects [delimiter, string]")
        return str(self.resolve(argument[1], where)).split(str(argument[0]))

    def _fn_if(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(
                f"{where}: Fn::If expects [condition, value if true, value if false]"
            )
        chosen = argument[1] if self.condition(str(argument[0]), where) else argument[2]
        return self.resolve(chosen, where)

    def _fn_equals(self, argument: Any, where: str) -> bool:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: Fn::Equals expects [value, value]")
        left, right = (self.resolve(a, where) for a in argument)
        return str(left) == str(right)

    def _fn_not(self, argument: Any, where: str) -> bool:
        if not (isinstance(argument, list) and len(argument) == 1):
            raise TemplateError(f"{where}: Fn::Not expects [condition]")
        return not self.resolve(argument[0], where)

    def _fn_and(self, argument: Any, where: str) -> bool:
        return all(self.resolve(a, where) for a in _conditions_list(argument, "And", where))

    def _fn_or(self, argument: Any, where: str) -> bool:
        return any(self.resolve(a, where) for a in _conditions_list(argument, "Or", where))

    def _fn_findinmap(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) in (3, 4)):
            raise TemplateError(f"{where}: Fn::FindInMap expects [map, top key, second key]")
        names = [str(self.resolve(a, where)) for a in argument[:3]]
        try:
            return self.mappings[names[0]][names[1]][names[2]]
        except (KeyError, TypeError):
            if len(argument) == 4 and isinstance(argument[3], dict):
                return self.resolve(argument[3].get("DefaultValue"), where)
            raise TemplateError(f"{where}: no {'/'.join(names)} in Mappings") from None

    def _fn_base64(self, argument: Any, where: str) -> str:
        text = _as_text(self.resolve(argument, where), where)
        return base64.b64encode(text.encode()).decode()

    def _fn_getazs(self, argument: Any, where: str) -> list[str]:
        region = str(self.resolve(argument, where) or self.region)
        return [f"{region}{zone}" for zone in "abc"]

    def _fn_tojsonstring(self, argument: Any, where: str) -> str:
        return json.dumps(self.resolve(argument, where), separators=(",", ":"))

    def _fn_length(self, argument: Any, where: str) -> int:
        value = self.resolve(argument, where)
        if not isinstance(value, list):
            raise TemplateError(f"{where}: Fn::Length expects a list (got {value!r})")
        return len(value)


def _conditions_list(argument: Any, name: str, where: str) -> list[Any]:
    if not (isinstance(argument, list) and 2 <= len(argument) <= 10):
        raise TemplateError(f"{where}: Fn::{name} expects 2 to 10 conditions")
    return argument


def _as_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        return ",".join(_as_text(v, where) for v in value)
    raise TemplateError(f"{where}: expected a text value (got {value!r})")
