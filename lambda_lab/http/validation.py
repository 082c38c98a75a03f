"""Request validation for REST API methods: required parameters and body models.

API Gateway checks a request before the integration runs, when the method has a request
validator (API Gateway guide, "Request validation for REST APIs"):

* ``validateRequestParameters``: each required parameter (``method.request.querystring.q``,
  ``method.request.header.h``, ``method.request.path.p`` marked ``True``) is present and not
  blank; types and formats are not checked. Failure: ``400 {"message": "Missing required
  request parameters: [q, h]"}``.
* ``validateRequestBody``: the body matches the model (a JSON Schema draft 4 document) chosen
  for its Content-Type, or for ``$default``; with no model for the type, nothing is checked.
  Failure: ``400 {"message": "Invalid request body"}``.

The Lab implements the draft 4 keywords models use most: ``type``, ``properties``,
``required``, ``additionalProperties`` (boolean or schema), ``items``, ``minItems``,
``maxItems``, ``uniqueItems``, ``enum``, ``minimum``, ``maximum``, ``exclusiveMinimum``,
``exclusiveMaximum``, ``multipleOf``, ``minLength``, ``maxLength``, ``pattern``, ``allOf``,
``anyOf``, ``oneOf``, ``not`` and local ``$ref`` (``#/definitions/...``). A model using any
other keyword is refused when it is created, so nothing is silently ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from lambda_lab.http.common import HttpRequest, media_type, split_query

KEYWORDS = frozenset(
    {
        "$schema",
        "$ref",
        "id",
        "title",
        "description",
        "definitions",
        "default",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "enum",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "pattern",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
    }
)
TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
PARAMETER_KINDS = ("querystring", "header", "path")


@dataclass(frozen=True)
class RequestValidator:
    """AWS's ``RequestValidator``: what a method's requests are checked for."""

    name: str
    validate_request_body: bool = False
    validate_request_parameters: bool = False


def check_schema(schema: Any, where: str = "model") -> None:
    """Refuse a schema that uses keywords or types the Lab does not implement."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise ValueError(f"{where}: a JSON schema must be an object (got {schema!r})")
    unknown = sorted(set(schema) - KEYWORDS)
    if unknown:
        raise ValueError(f"{where}: the Lab's JSON Schema (draft 4) subset has no {unknown}")
    kinds = schema.get("type")
    for kind in kinds if isinstance(kinds, list) else [kinds] if kinds else []:
        if kind not in TYPES:
            raise ValueError(f"{where}: type must be one of {', '.join(TYPES)} (got {kind!r})")
    if "pattern" in schema:
        re.compile(schema["pattern"])
    for key in ("properties", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            check_schema(sub, f"{where}.{key}.{name}")
    for key in ("items", "not"):
        if isinstance(schema.get(key), dict):
            check_schema(schema[key], f"{where}.{key}")
    if isinstance(schema.get("additionalProperties"), dict):
        check_schema(schema["additionalProperties"], f"{where}.additionalProperties")
    for key in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(key) or []):
            check_schema(sub, f"{where}.{key}[{index}]")


def errors(value: Any, schema: Any, root: Any = None, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (an empty list: it is valid)."""
    root = schema if root is None else root
    if schema is True or schema == {}:
        return []
    if schema is False:
        return [f"{path}: no value is allowed here"]
    if "$ref" in schema:
        return errors(value, _resolve(schema["$ref"], root), root, path)
    found: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        wanted = kinds if isinstance(kinds, list) else [kinds]
        if not any(_is_type(value, kind) for kind in wanted):
            return [f"{path}: expected {' or '.join(wanted)}, got {_type_name(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        found += _object_errors(value, schema, root, path)
    elif isinstance(value, list):
        found += _array_errors(value, schema, root, path)
    elif isinstance(value, str):
        found += _string_errors(value, schema, path)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found += _number_errors(value, schema, path)
    for sub in schema.get("allOf", []):
        found += errors(value, sub, root, path)
    if "anyOf" in schema and not any(not errors(value, s, root, path) for s in schema["anyOf"]):
        found.append(f"{path}: matches none of anyOf")
    if "oneOf" in schema:
        matching = sum(1 for s in schema["oneOf"] if not errors(value, s, root, path))
        if matching != 1:
            found.append(f"{path}: matches {matching} of oneOf (exactly 1 wanted)")
    if "not" in schema and not errors(value, schema["not"], root, path):
        found.append(f"{path}: must not match the 'not' schema")
    return found


def _object_errors(
    value: dict[str, Any], schema: dict[str, Any], root: Any, path: str
) -> list[str]:
    found = [
        f"{path}: missing required {name!r}"
        for name in schema.get("required", [])
        if name not in value
    ]
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            found += errors(item, properties[name], root, f"{path}.{name}")
        elif extra is False:
            found.append(f"{path}: property {name!r} is not allowed")
        elif isinstance(extra, dict):
            found += errors(item, extra, root, f"{path}.{name}")
    return found


def _array_errors(value: list[Any], schema: dict[str, Any], root: Any, path: str) -> list[str]:
    found = []
    if len(value) < schema.get("minItems", 0):
        found.append(f"{path}: fewer than {schema['minItems']} items")
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        found.append(f"{path}: more than {schema['maxItems']} items")
    if schema.get("uniqueItems"):
        seen = [json.dumps(item, sort_keys=True) for item in value]
        if len(set(seen)) != len(seen):
            found.append(f"{path}: items are not unique")
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            found += errors(item, items, root, f"{path}[{index}]")
    return found


def _string_errors(value: str, schema: dict[str, Any], path: str) -> list[str]:
    found = []
    if len(value) < schema.get("minLength", 0):
        found.append(f"{path}: shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        found.append(f"{path}: longer than {schema['maxLength']} characters")
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        found.append(f"{path}: does not match {schema['pattern']!r}")
    return found


def _number_errors(value: float, schema: dict[str, Any], path: str) -> list[str]:
    found = []
    if "minimum" in schema:
        low, strict = schema["minimum"], schema.get("exclusiveMinimum", False)
        if value < low or (strict and value == low):
            found.append(f"{path}: {value} is below the minimum {low}")
    if "maximum" in schema:
        high, strict = schema["maximum"], schema.get("exclusiveMaximum", False)
        if value > high or (strict and value == high):
            found.append(f"{path}: {value} is above the maximum {high}")
    step = schema.get("multipleOf")
    if step and not math.isclose(value / step, round(value / step)):
        found.append(f"{path}: {value} is not a multiple of {step}")
    return found


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            or (isinstance(value, float) and value.is_integer())
        )
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    python = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    return isinstance(value, python[kind])


def _type_name(value: Any) -> str:
    for kind in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, kind):
            return kind
    return type(value).__name__


def _resolve(reference: str, root: Any) -> Any:
    if not reference.startswith("#/"):
        raise ValueError(
            f"only local references (#/definitions/...) are supported (got {reference!r})"
        )
    target = root
    for part in reference[2:].split("/"):
        target = target[part]
    return target


# -- the checks a REST API method makes -------------------------------------------------------


def missing_parameters(
    request: HttpRequest, required: dict[str, bool], path_parameters: dict[str, str]
) -> list[str]:
    """Names of required parameters absent or blank in ``request``, in declaration order."""
    query = dict(split_query(request.query, decode=True))
    missing = []
    for name, is_required in required.items():
        if not is_required:
            continue
        kind, _, param = name.removeprefix("method.request.").partition(".")
        if kind == "querystring":
            value = query.get(param)
        elif kind == "header":
            value = request.header(param)
        else:
            value = path_parameters.get(param)
        if value is None or not value.strip():
            missing.append(param)
    return missing


def body_is_valid(request: HttpRequest, models: dict[str, Any]) -> bool:
    """True when the body fits the model for its Content-Type (or ``$default``), or when
    no model applies. A body that is not JSON fits no model."""
    kind = media_type(request.header("Content-Type")) or "application/json"
    schema = models.get(kind, models.get("$default"))
    if schema is None:
        return True
    try:
        document = json.loads(request.body or b"null")
    except ValueError:
        return False
    return not errors(document, schema)


def check_required_parameter_name(name: str) -> None:
    kind, _, param = name.removeprefix("method.request.").partition(".")
    if not name.startswith("method.request.") or kind not in PARAMETER_KINDS or not param:
        raise ValueError(
            f"a request parameter is method.request.querystring|header|path.NAME (got {name!r})"
        )
