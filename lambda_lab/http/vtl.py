"""A small subset of API Gateway's mapping-template language (Velocity, VTL).

Non-proxy integrations reshape the request and the response with mapping templates. The Lab
renders **references only**, which covers the templates the exam shows:

* ``$input.body``, ``$input.json('$.a.b')`` (JSON text), ``$input.path('$.a[0]')`` (the
  value), ``$input.params('name')`` (path, then query string, then header),
  ``$input.params().header.get('h')`` and the same for ``querystring`` and ``path``;
* ``$context.requestId``, ``$context.stage``, ``$context.httpMethod``,
  ``$context.resourcePath``, ``$context.identity.sourceIp``, ``$context.authorizer.*``,
  ``$context.error.message`` / ``messageString`` / ``responseType`` (gateway responses);
* ``$stageVariables.name``;
* ``$util.escapeJavaScript()``, ``urlEncode()``, ``urlDecode()``, ``base64Encode()``,
  ``base64Decode()``;
* the forms ``${...}`` and ``$!...`` (quiet: nothing for a missing value).

Directives (``#set``, ``#if``, ``#foreach``) are not implemented: a template using them is
refused when it is configured, with a message saying so. JSONPath is limited to ``$``,
``.name``, ``['name']`` and ``[index]``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

_DIRECTIVE = re.compile(r"(?m)^\s*#(set|if|elseif|else|end|foreach|macro|parse|include|define)\b")
_REFERENCE_START = re.compile(r"\$(!?)(\{?)([A-Za-z][A-Za-z0-9_]*)")
_STRING = re.compile(r"""\s*(?:'([^']*)'|"([^"]*)")\s*""")
_JSONPATH_STEP = re.compile(r"\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


class TemplateError(ValueError):
    """A template the Lab's VTL subset cannot render."""


@dataclass
class TemplateInput:
    """What ``$input`` reads: the body and the request parameters."""

    body: str = ""
    path: dict[str, str] = field(default_factory=dict)
    querystring: dict[str, str] = field(default_factory=dict)
    header: dict[str, str] = field(default_factory=dict)

    def json_value(self) -> Any:
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None

    def param(self, name: str) -> str:
        for source in (self.path, self.querystring):
            if name in source:
                return source[name]
        for key, value in self.header.items():
            if key.lower() == name.lower():
                return value
        return ""


def check_template(template: str) -> None:
    """Refuse, at configuration time, a template that uses directives."""
    found = _DIRECTIVE.search(template)
    if found:
        raise TemplateError(
            f"the Lab's mapping templates render references ($input, $context, $stageVariables, "
            f"$util) but not directives such as #{found.group(1)}"
        )


def render(
    template: str,
    request: TemplateInput,
    context: Mapping[str, Any],
    stage_variables: Mapping[str, str],
) -> str:
    """The template with every reference replaced by its value."""
    check_template(template)
    roots: dict[str, Any] = {
        "input": _Input(request),
        "context": context,
        "stageVariables": stage_variables,
        "util": _UTIL,
    }
    out: list[str] = []
    position = 0
    while True:
        found = _REFERENCE_START.search(template, position)
        if found is None:
            out.append(template[position:])
            return "".join(out)
        out.append(template[position : found.start()])
        if found.group(3) not in roots:  # a lone "$" or an unknown name stays as written
            out.append(found.group(0))
            position = found.end()
            continue
        value, position = _reference(template, found, roots)
        if value is None:
            out.append("" if found.group(1) else template[found.start() : position])
        else:
            out.append(_text(value))


def _reference(template: str, found: re.Match[str], roots: dict[str, Any]) -> tuple[Any, int]:
    """The value of the reference that ``found`` starts, and where it ends."""
    braced, name = found.group(2), found.group(3)
    value, position = _follow(template, found.end(), roots[name], roots)
    if braced:
        if not template.startswith("}", position):
            raise TemplateError(f"missing '}}' after ${{{name}... at {position}")
        position += 1
    return value, position


def _follow(template: str, position: int, value: Any, roots: dict[str, Any]) -> tuple[Any, int]:
    """Apply ``.name`` and ``.method(args)`` steps after a root reference."""
    while True:
        step = re.match(r"\.([A-Za-z][A-Za-z0-9_]*)", template[position:])
        if step is None:
            return value, position
        name = step.group(1)
        position += step.end()
        if template.startswith("(", position):
            args, position = _arguments(template, position, roots)
            value = _call(value, name, args)
        else:
            value = _attribute(value, name)


def _arguments(template: str, position: int, roots: dict[str, Any]) -> tuple[list[str], int]:
    """Arguments in parentheses: quoted strings or references, separated by commas."""
    args: list[str] = []
    position += 1  # the "("
    while True:
        while template[position : position + 1].isspace():
            position += 1
        if template.startswith(")", position):
            return args, position + 1
        literal = _STRING.match(template, position)
        reference = _REFERENCE_START.match(template, position)
        if literal is not None:
            args.append(literal.group(1) if literal.group(1) is not None else literal.group(2))
            position = literal.end()
        elif reference is not None and reference.group(3) in roots:
            value, position = _reference(template, reference, roots)
            args.append("" if value is None else _text(value))
        else:
            raise TemplateError(
                f"method arguments are quoted strings or references (at {template[position:][:20]!r})"
            )
        while template[position : position + 1].isspace():
            position += 1
        if template.startswith(",", position):
            position += 1
        elif not template.startswith(")", position):
            raise TemplateError(f"expected ',' or ')' at position {position}")


def _attribute(value: Any, name: str) -> Any:
    if isinstance(value, _Input):
        return value.attribute(name)
    if isinstance(value, Mapping):
        return value.get(name)
    return None


def _call(value: Any, name: str, args: list[str]) -> Any:
    if isinstance(value, _Input):
        return value.call(name, args)
    if isinstance(value, _Util):
        return value.call(name, args)
    if isinstance(value, Mapping) and name == "get" and len(args) == 1:
        return value.get(args[0])
    raise TemplateError(f"the Lab's VTL subset has no method {name}() here")


def _text(value: Any) -> str:
    """How Velocity prints a value: strings as they are, numbers and booleans in JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def json_path(document: Any, path: str) -> Any:
    """``$``, ``$.a.b``, ``$.a[0]``, ``$['a']`` of a JSON value; None when absent."""
    if not path.startswith("$"):
        raise TemplateError(f"a JSONPath starts with '$' (got {path!r})")
    position, value = 1, document
    while position < len(path):
        step = _JSONPATH_STEP.match(path, position)
        if step is None:
            raise TemplateError(f"the Lab's JSONPath subset cannot read {path!r}")
        position = step.end()
        name = step.group(1) or step.group(3) or step.group(4)
        if step.group(2) is not None:
            index = int(step.group(2))
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(name) if isinstance(value, dict) else None
    return value


class _Input:
    def __init__(self, request: TemplateInput) -> None:
        self.request = request

    def attribute(self, name: str) -> Any:
        if name == "body":
            return self.request.body
        raise TemplateError(f"$input has no property {name!r} in the Lab's subset")

    def call(self, name: str, args: list[str]) -> Any:
        if name == "json" and len(args) == 1:
            return json.dumps(json_path(self.request.json_value(), args[0]), separators=(",", ":"))
        if name == "path" and len(args) == 1:
            return json_path(self.request.json_value(), args[0])
        if name == "params" and len(args) == 1:
            return self.request.param(args[0])
        if name == "params" and not args:
            return {
                "path": self.request.path,
                "querystring": self.request.querystring,
                "header": self.request.header,
            }
        raise TemplateError(f"$input.{name}() with {len(args)} argument(s) is not in the subset")


class _Util:
    _FUNCTIONS: dict[str, Callable[[str], str]] = {
        "escapeJavaScript": lambda s: json.dumps(s)[1:-1].replace("'", "\\'"),
        "urlEncode": lambda s: quote(s, safe=""),
        "urlDecode": unquote,
        "base64Encode": lambda s: base64.b64encode(s.encode()).decode(),
        "base64Decode": lambda s: base64.b64decode(s).decode("utf-8", "replace"),
    }

    def call(self, name: str, args: list[str]) -> str:
        function = self._FUNCTIONS.get(name)
        if function is None or len(args) != 1:
            raise TemplateError(f"$util.{name}() is not in the Lab's subset")
        return function(args[0])


_UTIL = _Util()
