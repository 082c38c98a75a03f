"""The control plane as ``lambda-lab serve --state`` keeps it: one document, checked, and
flattened into keys so that a change is journaled as the few keys it touched.

The document (``state.json``)::

    {"format": 1, "region": ..., "functions": [config, ...],
     "versions": {"published": {name: {number: config}}, "last_number": {name: n},
                  "aliases": {name: {alias: fields}}},
     "policies": [{"function", "qualifier", "statements", "revision"}, ...],
     "reserved_concurrency": {name: n}, "api": {restore operation: [params, ...]},
     "event_source_mappings": [params, ...], "sources": {"sqs": [...], ...}}

Flat keys: ``functions/<name>``, ``published/<name>``, ``last_number/<name>``,
``aliases/<name>``, ``policies/<function>:<qualifier>``, ``reserved/<name>``,
``api/<operation>``, ``mappings/<uuid>``, and ``format``, ``region``, ``sources`` as they are.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from lambda_lab.control.functions import FunctionConfig
from lambda_lab.serve.journal import StateFileError

FORMAT = 1
SAVED_UUID = "_UUID"  # a mapping keeps its identity across restarts
_BY_NAME = {"published": "published", "last_number": "last_number", "aliases": "aliases"}


def flatten(document: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {
        k: document[k] for k in ("format", "region", "sources") if k in document
    }
    for config in document.get("functions", []):
        flat[f"functions/{config['name']}"] = config
    versions = document.get("versions", {})
    for section in _BY_NAME:
        for name, value in versions.get(section, {}).items():
            flat[f"{section}/{name}"] = value
    for policy in document.get("policies", []):
        flat[f"policies/{policy['function']}:{policy['qualifier']}"] = policy
    for name, amount in document.get("reserved_concurrency", {}).items():
        flat[f"reserved/{name}"] = amount
    for operation, items in document.get("api", {}).items():
        flat[f"api/{operation}"] = items
    for params in document.get("event_source_mappings", []):
        flat[f"mappings/{params.get(SAVED_UUID, '')}"] = params
    return flat


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": flat.get("format", FORMAT),
        "region": flat.get("region"),
        "functions": [],
        "versions": {"published": {}, "last_number": {}, "aliases": {}},
        "policies": [],
        "reserved_concurrency": {},
        "api": {},
        "event_source_mappings": [],
        "sources": flat.get("sources", {}),
    }
    for key, value in flat.items():
        section, _, name = key.partition("/")
        if section == "functions":
            document["functions"].append(value)
        elif section in _BY_NAME:
            document["versions"][section][name] = value
        elif section == "policies":
            document["policies"].append(value)
        elif section == "reserved":
            document["reserved_concurrency"][name] = value
        elif section == "api":
            document["api"][name] = value
        elif section == "mappings":
            document["event_source_mappings"].append(value)
    return document


def diff(old: dict[str, str], new: dict[str, str]) -> tuple[list[str], list[str]]:
    """Keys whose encoded value changed or appeared, and keys that are gone."""
    changed = [k for k, text in new.items() if old.get(k) != text]
    return changed, [k for k in old if k not in new]


# -- checking a document read from disk ---------------------------------------------------------
_CONFIG_TYPES = typing.get_type_hints(FunctionConfig)
_REQUIRED = ("name", "runtime", "code_sha256")


def check(document: Any, source: str) -> dict[str, Any]:
    """The document if its shape is one :class:`StateKeeper` can load; otherwise a
    :class:`StateFileError` naming the first field that is wrong, what it should be and what
    it is."""

    def wrong(where: str, expected: str, value: Any) -> StateFileError:
        return StateFileError(
            f"{source}: {where} must be {expected} (got {_describe(value)}); "
            "fix it or move the file away (it is left as it is)"
        )

    def want(value: Any, kind: type | tuple[type, ...], where: str, expected: str) -> Any:
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
            raise wrong(where, expected, value)
        return value

    want(document, dict, "the document", "a JSON object")
    if document.get("format") != FORMAT:
        raise wrong("'format'", str(FORMAT), document.get("format"))
    for i, config in enumerate(want(document.get("functions", []), list, "'functions'", "a list")):
        _check_config(config, f"functions[{i}]", wrong)
    versions = want(document.get("versions", {}), dict, "'versions'", "an object")
    for name, numbered in want(
        versions.get("published", {}), dict, "versions.published", "an object"
    ).items():
        for number, config in want(
            numbered, dict, f"versions.published.{name}", "an object of versions"
        ).items():
            _check_config(config, f"versions.published.{name}.{number}", wrong)
    for name, number in want(
        versions.get("last_number", {}), dict, "versions.last_number", "an object"
    ).items():
        want(number, int, f"versions.last_number.{name}", "a whole number")
    for name, aliases in want(
        versions.get("aliases", {}), dict, "versions.aliases", "an object"
    ).items():
        for alias, fields in want(aliases, dict, f"versions.aliases.{name}", "an object").items():
            want(fields, dict, f"versions.aliases.{name}.{alias}", "an object")
    for i, policy in enumerate(want(document.get("policies", []), list, "'policies'", "a list")):
        want(policy, dict, f"policies[{i}]", "an object")
        for member in ("function", "qualifier"):
            want(policy.get(member), str, f"policies[{i}].{member}", "a string")
        want(policy.get("statements"), list, f"policies[{i}].statements", "a list")
    reserved = want(
        document.get("reserved_concurrency", {}), dict, "'reserved_concurrency'", "an object"
    )
    for name, amount in reserved.items():
        want(amount, int, f"reserved_concurrency.{name}", "a whole number")
    for operation, items in want(document.get("api", {}), dict, "'api'", "an object").items():
        for i, params in enumerate(want(items, list, f"api.{operation}", "a list")):
            want(params, dict, f"api.{operation}[{i}]", "an object")
    mappings = want(
        document.get("event_source_mappings", []), list, "'event_source_mappings'", "a list"
    )
    for i, params in enumerate(mappings):
        want(params, dict, f"event_source_mappings[{i}]", "an object")
        want(
            params.get("EventSourceArn"),
            str,
            f"event_source_mappings[{i}].EventSourceArn",
            "a string",
        )
    want(document.get("sources", {}), dict, "'sources'", "an object")
    return document


def _check_config(config: Any, where: str, wrong: Any) -> None:
    if not isinstance(config, dict):
        raise wrong(where, "an object", config)
    for name in _REQUIRED:
        if name not in config:
            raise wrong(f"{where}.{name}", "present", None)
    for name, value in config.items():
        expected = _CONFIG_TYPES.get(name)
        if expected is not None and not _fits(value, expected):
            raise wrong(f"{where}.{name}", _type_words(expected), value)


def _fits(value: Any, expected: Any) -> bool:
    origin = typing.get_origin(expected)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, option) for option in typing.get_args(expected))
    if expected is type(None):
        return value is None
    if origin is dict:
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, expected) if isinstance(expected, type) else True


def _type_words(expected: Any) -> str:
    if typing.get_origin(expected) is dict:
        return "an object of strings"
    options = [o for o in typing.get_args(expected) if o is not type(None)] or [expected]
    words = {int: "a whole number", str: "a string", bool: "true or false", float: "a number"}
    text = " or ".join(words.get(o, getattr(o, "__name__", str(o))) for o in options)
    return text + (" or null" if type(None) in typing.get_args(expected) else "")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


CONFIG_FIELDS = {f.name for f in dataclasses.fields(FunctionConfig)}
