"""Request framing for the Lambda REST layer: what a request must look like before any
operation runs (the socket-level part, sizes and refusals, is :mod:`lambda_lab.api.refusals`).

* :func:`load_json_body` decodes a request body with a depth limit, so no document can
  exhaust the stack; :func:`check_nesting` does the same check for an Invoke payload that is
  passed on as bytes;
* :func:`check_member_types` compares a decoded body with the operation's input shape from
  botocore's model, and :func:`check_header_enums` the header and query members that have
  an enum (``X-Amz-Log-Type: Bogus``); :func:`check_client_context` the shape of
  ``X-Amz-Client-Context``. Each failure is the caller's 4xx, never a 500 or the function's
  error.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any, TypeVar

from lambda_lab import errors

BODY_MAX_DEPTH = 100  # far beyond any Lambda input shape (the deepest is about 6)
PAYLOAD_MAX_DEPTH = 900  # an Invoke payload: deeper than Python's json can read back
CLIENT_CONTEXT_MAX_BYTES = 3_583
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


# -- JSON with a depth limit --------------------------------------------------------------------
def nesting_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings ignored)."""
    if data.count(b"[") + data.count(b"{") == 0:
        return 0
    brackets = _STRINGS.sub(b"", data).translate(None, delete=_not_brackets())
    steps = (1 if b == 1 else -1 for b in brackets.translate(_DEPTH_STEPS))
    return max(accumulate(steps, initial=0))


def _not_brackets() -> bytes:
    return bytes(b for b in range(256) if b not in b"[]{}")


def check_nesting(data: bytes, limit: int, what: str = "request body") -> None:
    """InvalidRequestContentException when ``data`` nests deeper than ``limit``."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return  # cannot be deeper than its number of opening brackets
    depth = nesting_depth(data)
    if depth > limit:
        raise errors.InvalidRequestContentException(
            f"Could not parse {what} into json: it nests {depth} levels deep; the limit is {limit}"
        )


def load_json_body(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object: InvalidRequestContentException for anything else."""
    check_nesting(body, BODY_MAX_DEPTH)
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidRequestContentException(
            f"Could not parse request body into json: {exc}"
        ) from None
    if not isinstance(document, dict):
        raise errors.InvalidRequestContentException("Request body must be a JSON object")
    return document


# -- the input shape ----------------------------------------------------------------------------
_EXPECTED = {
    "structure": "an object",
    "map": "an object",
    "list": "a list",
    "string": "a string",
    "blob": "a base64 string",
    "integer": "a whole number",
    "long": "a whole number",
    "float": "a number",
    "double": "a number",
    "boolean": "true or false",
    "timestamp": "a time (number or string)",
}


def check_member_types(shape: Any, document: dict[str, Any]) -> None:
    """The body's members against ``shape`` (a botocore StructureShape), recursively."""
    for name, value in document.items():
        member = shape.members.get(name)
        if member is not None and not member.serialization.get("location"):
            _check_value(member, value, name)


def _check_value(shape: Any, value: Any, where: str) -> None:
    if value is None:
        return  # JSON null: as if the member were not given
    kind = shape.type_name
    if not _fits(kind, value):
        raise errors.InvalidRequestContentException(
            f"Could not parse request body into json: {where} must be {_EXPECTED.get(kind, kind)} "
            f"(got {_json_kind(value)})"
        )
    if kind == "structure":
        for name, item in value.items():
            member = shape.members.get(name)
            if member is not None:
                _check_value(member, item, f"{where}.{name}")
    elif kind == "list":
        for index, item in enumerate(value):
            _check_value(shape.member, item, f"{where}[{index}]")
    elif kind == "map":
        for key, item in value.items():
            _check_value(shape.value, item, f"{where}.{key}")


def _fits(kind: str, value: Any) -> bool:
    if kind in ("structure", "map"):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind in ("string", "blob"):
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "double", "timestamp"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok or (kind == "timestamp" and isinstance(value, str))
    if kind == "boolean":
        return isinstance(value, bool)
    return True


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    shown = json.dumps(value)[:40] if isinstance(value, (int, float, str)) else ""
    return kinds.get(type(value), type(value).__name__) + (f" {shown}" if shown else "")


def check_header_enums(operation: Any, params: dict[str, Any]) -> None:
    """Header and query members whose model has an enum: anything else is a
    ValidationException in AWS's words."""
    shape = operation.input_shape
    if shape is None:
        return
    for name, allowed in _enum_members(shape):
        if name in params:
            value = params[name]
            if isinstance(value, str) and value not in allowed:
                field = name[0].lower() + name[1:]
                raise errors.ValidationException(
                    f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
                    f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
                )


_Read = TypeVar("_Read")


def per_shape(cache: dict[int, tuple[Any, Any]], shape: Any, read: Callable[[Any], _Read]) -> _Read:
    """``read(shape)``, worked out once per botocore shape and kept in ``cache`` by the shape's
    identity (the shape is kept with it, so its id is never reused meanwhile)."""
    known = cache.get(id(shape))
    if known is not None and known[0] is shape:
        return known[1]
    value = read(shape)
    cache[id(shape)] = (shape, value)
    return value


_ENUMS: dict[int, tuple[Any, Any]] = {}


def _enum_members(shape: Any) -> list[tuple[str, list[str]]]:
    """(name, allowed values) of the header and query members that have an enum."""
    return per_shape(_ENUMS, shape, _read_enum_members)


def _read_enum_members(shape: Any) -> list[tuple[str, list[str]]]:
    found = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        allowed = getattr(member, "enum", None)  # only string shapes have one
        if location in ("header", "querystring") and allowed:
            found.append((name, allowed))
    return found


def check_client_context(text: str) -> None:
    """``X-Amz-Client-Context``: base64 of a JSON object whose ``client``, ``custom`` and
    ``env`` members, when present, are objects (what every runtime builds its context from)."""
    if len(text.encode()) > CLIENT_CONTEXT_MAX_BYTES:
        raise errors.InvalidRequestContentException(
            f"Client context must be at most {CLIENT_CONTEXT_MAX_BYTES} bytes of base64 "
            f"(got {len(text.encode())})"
        )
    try:
        decoded = base64.b64decode(text, validate=True)
        check_nesting(decoded, BODY_MAX_DEPTH, "client context")
        context = json.loads(decoded)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise errors.InvalidRequestContentException(
            f"Client context must be base64-encoded JSON: {exc}"
        ) from None
    if not isinstance(context, dict):
        raise errors.InvalidRequestContentException(
            f"Client context must be a base64-encoded JSON object (got {_json_kind(context)})"
        )
    for member in ("client", "custom", "env"):
        if context.get(member) is not None and not isinstance(context[member], dict):
            raise errors.InvalidRequestContentException(
                f"Client context member '{member}' must be a JSON object "
                f"(got {_json_kind(context[member])})"
            )
