"""Event filtering for event source mappings: which records a poller hands to the function.

``FilterCriteria = {"Filters": [{"Pattern": "<JSON text>"}]}``; a record is sent when ANY
filter matches, otherwise SQS deletes it and streams move past it (the pollers do that, this
module only decides). The patterns are EventBridge patterns in the ``"esm"`` dialect of
:mod:`.patterns` (numbers compare by their written form).

Each source filters on its own data key, the rest of the record being metadata:

* SQS ``body``: a body that is a JSON object is matched as an object; any other body as a
  plain string. A JSON body under a plain-string pattern, or a plain body under an object
  pattern, does not match.
* Kinesis ``data``: base64-decoded and matched as a JSON object; the fields of ``kinesis``
  (``partitionKey``...) sit beside it. Data that is not a JSON object never matches.
* DynamoDB ``dynamodb``: the record as delivered (``eventName``, ``dynamodb.NewImage``...).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from lambda_lab import limits
from lambda_lab.event_sources.matching.operators import load_json
from lambda_lab.event_sources.matching.patterns import (
    ESM,
    EventPattern,
    PatternError,
    compile_pattern,
)

DATA_KEYS = {"sqs": "body", "kinesis": "data", "dynamodb": "dynamodb"}
_INVALID = "InvalidParameterValueException"


def validate_filter_criteria(source: str, filter_criteria: Mapping[str, Any]) -> list[EventPattern]:
    """Check a FilterCriteria as CreateEventSourceMapping would; return the compiled patterns."""
    _check_source(source)
    if not isinstance(filter_criteria, Mapping):
        raise PatternError(
            _INVALID, f"FilterCriteria must be an object (got {type(filter_criteria).__name__})"
        )
    filters = filter_criteria.get("Filters", [])
    if not isinstance(filters, list):
        raise PatternError(_INVALID, 'FilterCriteria.Filters must be a list of {"Pattern": ...}')
    if len(filters) > limits.FILTERS_PER_SOURCE:
        raise PatternError(
            _INVALID,
            f"FilterCriteria has {len(filters)} filters; an event source allows at most"
            f" {limits.FILTERS_PER_SOURCE}",
        )
    return [_compile(source, _pattern_text(index, entry)) for index, entry in enumerate(filters)]


def esm_filter_matches(
    source: str, record: Mapping[str, Any], filters: Sequence[Mapping[str, Any]]
) -> bool:
    """True when the record (in its event shape) matches ANY filter; no filters sends all."""
    _check_source(source)
    if not filters:
        return True
    view, data_kind = _filter_view(source, record)
    if view is None:
        return False
    data_key = DATA_KEYS[source]
    for index, entry in enumerate(filters):
        pattern = _compile(source, _pattern_text(index, entry))
        kinds = pattern.root.kinds_of(data_key)
        if kinds and data_kind is not None and kinds != {data_kind}:
            continue  # a JSON pattern for plain data, or the reverse: AWS drops the record
        if pattern.matches(view):
            return True
    return False


def _check_source(source: str) -> None:
    if source not in DATA_KEYS:
        raise ValueError(f"source must be one of {sorted(DATA_KEYS)} (got {source!r})")


def _pattern_text(index: int, entry: Any) -> str:
    pattern = entry.get("Pattern") if isinstance(entry, Mapping) else None
    if not isinstance(pattern, str):
        raise PatternError(_INVALID, f"FilterCriteria.Filters[{index}] needs a Pattern string")
    return pattern


@functools.lru_cache(maxsize=512)
def _compile(source: str, pattern: str) -> EventPattern:
    if len(pattern) > limits.FILTER_PATTERN_MAX_CHARS:
        raise PatternError(
            "ValidationException",
            f"1 validation error detected: Value at 'filterCriteria.filters.member.pattern' failed"
            f" to satisfy constraint: Member must have length less than or equal to"
            f" {limits.FILTER_PATTERN_MAX_CHARS} (got {len(pattern)} characters)",
        )
    compiled = compile_pattern(pattern, dialect=ESM)
    data_key = DATA_KEYS[source]
    if source != "sqs" and "value" in compiled.root.kinds_of(data_key):
        raise PatternError(
            _INVALID,
            f"Invalid filter pattern definition. Reason: the {data_key!r} of a {source} record is"
            f" JSON, so its pattern must be an object such as"
            f' {{"{data_key}": {{"field": ["value"]}}}}, not an array',
        )
    return compiled


def _filter_view(
    source: str, record: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """The document a filter sees, and whether its data is an "object" or a plain "value"."""
    if source == "sqs":
        view = dict(record)
        body = record.get("body")
        if not isinstance(body, str):
            return view, None
        parsed = _json_object(body)
        if parsed is None:
            return view, "value"
        view["body"] = parsed
        return view, "object"
    if source == "kinesis":
        inner = record.get("kinesis")
        if not isinstance(inner, Mapping) or not isinstance(inner.get("data"), str):
            return None, None
        try:
            text = base64.b64decode(inner["data"], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None, None
        parsed = _json_object(text)
        if parsed is None:
            return None, None  # non-JSON data is dropped whenever filters are set
        view = {key: value for key, value in record.items() if key != "kinesis"}
        view.update(inner)
        view["data"] = parsed
        return view, "object"
    return dict(record), "object"


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        parsed = load_json(text)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None
