"""Reading CloudFormation/SAM templates: YAML with the short-form intrinsic tags, or JSON.

CloudFormation accepts ``!Ref X`` for ``{"Ref": "X"}``, ``!GetAtt A.B`` for
``{"Fn::GetAtt": ["A", "B"]}`` and ``!Sub``, ``!Join``, ``!If``... for their ``Fn::`` forms.
PyYAML's safe loader rejects unknown tags, so this module adds a loader that turns each
short form into its long form. Everything after loading sees one shape only.

Errors name the file, line and column, and what was expected (``TemplateError``).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

try:  # the C loader is ~8x faster and ships in PyYAML's wheels
    _Base: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - a PyYAML built without libyaml
    _Base = yaml.SafeLoader

# Short tag -> long key. Every function takes the node's value unchanged, except the three
# below whose short forms have shapes of their own.
FUNCTIONS = (
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "And",
    "Equals",
    "If",
    "Not",
    "Or",
    "ToJsonString",
    "Length",
)


class TemplateError(ValueError):
    """A template that cannot be read or does not have the shape SAM expects."""


class _TemplateLoader(_Base):
    """A safe loader that knows CloudFormation's short-form tags."""


def _construct(node: yaml.Node, loader: Any) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _function(name: str) -> Any:
    long_name = f"Fn::{name}"

    def construct(loader: Any, node: yaml.Node) -> dict[str, Any]:
        value = _construct(node, loader)
        if name == "GetAtt" and isinstance(value, str):
            # !GetAtt Resource.Attribute (the attribute may itself hold dots: Outputs.X)
            resource, dot, attribute = value.partition(".")
            if not dot or not resource or not attribute:
                raise TemplateError(
                    f"!GetAtt expects 'Resource.Attribute' (got {value!r}) {_where(node)}"
                )
            value = [resource, attribute]
        if name == "GetAZs" and value is None:
            value = ""
        return {long_name: value}

    return construct


def _ref(loader: Any, node: yaml.Node) -> dict[str, Any]:
    value = _construct(node, loader)
    if not isinstance(value, str) or not value:
        raise TemplateError(f"!Ref expects a name (got {value!r}) {_where(node)}")
    return {"Ref": value}


def _condition(loader: Any, node: yaml.Node) -> dict[str, Any]:
    return {"Condition": _construct(node, loader)}


_TemplateLoader.add_constructor("!Ref", _ref)
_TemplateLoader.add_constructor("!Condition", _condition)
for _name in FUNCTIONS:
    _TemplateLoader.add_constructor(f"!{_name}", _function(_name))


def _where(node: yaml.Node) -> str:
    mark = node.start_mark
    return f"(line {mark.line + 1}, column {mark.column + 1})"


def loads(text: str, source: str = "template") -> dict[str, Any]:
    """A template's text (YAML or JSON) as a dict with long-form intrinsics."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            document = json.loads(text)
        else:
            document = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"{source}: not valid YAML{where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{source}: not valid YAML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"{source}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except TemplateError as exc:
        raise TemplateError(f"{source}: {exc}") from None
    if not isinstance(document, dict):
        raise TemplateError(
            f"{source}: a template is a mapping with a Resources section "
            f"(got {type(document).__name__})"
        )
    return document


def load(path: str) -> dict[str, Any]:
    """Read the template file at ``path``."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise TemplateError(f"cannot read template {path!r}: {exc.strerror}") from None
    return loads(text, source=path)
