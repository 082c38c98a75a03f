"""A REST API method's settings: its method request and its integration, in AWS's terms.

``Method`` holds what ``PutMethod`` sets (authorization, API key, request validator,
required parameters, models); ``Integration`` what ``PutIntegration`` sets (Lambda proxy,
Lambda custom or mock; the target function, which may name a stage variable as in
``orders:${stageVariables.alias}``; the timeout; request templates; cache key parameters)
and its ``IntegrationResponse`` list (``PutIntegrationResponse``: a selection pattern on a
Lambda error message, a status code, response templates and header mappings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.http.routes import Route
from lambda_lab.http.validation import check_required_parameter_name
from lambda_lab.http.vtl import check_template

INTEGRATION_TYPES = ("AWS_PROXY", "AWS", "MOCK")
AUTHORIZATION_TYPES = ("NONE", "CUSTOM", "COGNITO_USER_POOLS", "JWT", "AWS_IAM")
WITH_AUTHORIZER = ("CUSTOM", "COGNITO_USER_POOLS", "JWT")
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
TIMEOUT_MIN_MS = 50
TIMEOUT_DEFAULT_MS = 29_000
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


@dataclass
class IntegrationResponse:
    """One integration response: used when ``selection_pattern`` matches the Lambda error
    message (or, for MOCK, the status code); the one without a pattern is the default."""

    status_code: int = 200
    selection_pattern: str | None = None
    templates: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, text: str) -> bool:
        """AWS matches the whole error message against the pattern (a Java regex)."""
        if not self.selection_pattern:
            return False
        return re.fullmatch(self.selection_pattern, text, re.DOTALL) is not None


@dataclass
class Integration:
    """How API Gateway reaches the backend for one method."""

    type: str = "AWS_PROXY"
    function_name: str | None = None  # may hold ${stageVariables.name}
    qualifier: str | None = None  # may hold ${stageVariables.name}
    timeout_ms: int = TIMEOUT_DEFAULT_MS
    request_templates: dict[str, str] = field(default_factory=dict)
    passthrough_behavior: str = "WHEN_NO_MATCH"
    responses: list[IntegrationResponse] = field(default_factory=list)
    cache_key_parameters: tuple[str, ...] = ()

    def target(self, stage_variables: dict[str, str]) -> tuple[str, str | None] | None:
        """(function, qualifier) with stage variables filled in; None when one is missing."""
        if self.function_name is None:
            return None
        parts: list[str | None] = []
        for text in (self.function_name, self.qualifier):
            if text is None:
                parts.append(None)
                continue
            names = _STAGE_VARIABLE.findall(text)
            if any(name not in stage_variables for name in names):
                return None
            parts.append(_STAGE_VARIABLE.sub(lambda m: stage_variables[m.group(1)], text))
        name, qualifier = parts
        assert name is not None
        return name, qualifier or None

    def response_for(self, text: str | None) -> IntegrationResponse:
        """The integration response for an error message (None: the function succeeded)."""
        if text is not None:
            for response in self.responses:
                if response.matches(text):
                    return response
        default = next((r for r in self.responses if not r.selection_pattern), None)
        return default or IntegrationResponse()


def uses_stage_variables(text: str | None) -> bool:
    return bool(text and _STAGE_VARIABLE.search(text))


@dataclass
class Method:
    """A method of a resource (``GET /items``) and everything the request meets on its way."""

    route: Route
    integration: Integration
    authorization_type: str = "NONE"
    authorizer: str | None = None
    authorization_scopes: tuple[str, ...] = ()
    api_key_required: bool = False
    request_validator: str | None = None
    request_parameters: dict[str, bool] = field(default_factory=dict)
    request_models: dict[str, str] = field(default_factory=dict)  # content type -> model name

    @property
    def key(self) -> str:
        return self.route.key


def method_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Check PutMethod-style settings; return them with AWS's defaults filled in."""
    allowed = {
        "authorization_type",
        "authorizer",
        "authorization_scopes",
        "api_key_required",
        "request_validator",
        "request_parameters",
        "request_models",
    }
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValueError(f"unknown method settings {unknown}; known: {sorted(allowed)}")
    kind = values.get("authorization_type")
    if kind is None and values.get("authorizer"):
        raise ValueError(f"an authorizer needs authorization_type one of {', '.join(WITH_AUTHORIZER)}")  # fmt: skip
    if kind is not None and kind not in AUTHORIZATION_TYPES:
        raise ValueError(
            f"authorization_type must be one of {', '.join(AUTHORIZATION_TYPES)} (got {kind!r})"
        )
    if kind in WITH_AUTHORIZER and not values.get("authorizer"):
        raise ValueError(f"authorization_type {kind!r} needs an authorizer name")
    for name in values.get("request_parameters") or {}:
        check_required_parameter_name(name)
    if "authorization_scopes" in values:
        values["authorization_scopes"] = tuple(values["authorization_scopes"] or ())
    return values


def integration_from(
    type: str,
    function_name: str | None,
    qualifier: str | None,
    *,
    timeout_ms: int = TIMEOUT_DEFAULT_MS,
    max_timeout_ms: int = TIMEOUT_DEFAULT_MS,
    request_templates: dict[str, str] | None = None,
    passthrough_behavior: str = "WHEN_NO_MATCH",
    cache_key_parameters: tuple[str, ...] | list[str] = (),
) -> Integration:
    """An Integration, checked as PutIntegration checks it."""
    if type not in INTEGRATION_TYPES:
        raise ValueError(
            f"integration type must be one of {', '.join(INTEGRATION_TYPES)} (got {type!r})"
        )
    if type != "MOCK" and not function_name:
        raise ValueError(f"a {type} integration needs a Lambda function")
    if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int):
        raise ValueError(f"timeout_ms must be a whole number of milliseconds (got {timeout_ms!r})")
    if not TIMEOUT_MIN_MS <= timeout_ms <= max_timeout_ms:
        raise ValueError(
            f"timeout_ms must be {TIMEOUT_MIN_MS}-{max_timeout_ms} ms (got {timeout_ms}); "
            "above 29,000 ms only for Regional or private APIs after a quota increase"
        )
    if passthrough_behavior not in PASSTHROUGH:
        raise ValueError(f"passthrough_behavior must be one of {', '.join(PASSTHROUGH)}")
    for template in (request_templates or {}).values():
        check_template(template)
    return Integration(
        type,
        function_name,
        qualifier,
        timeout_ms,
        dict(request_templates or {}),
        passthrough_behavior,
        [],
        tuple(cache_key_parameters),
    )


def integration_response_from(
    status_code: int | str,
    selection_pattern: str | None = None,
    response_templates: dict[str, str] | None = None,
    response_parameters: dict[str, str] | None = None,
) -> IntegrationResponse:
    """An IntegrationResponse; ``response_parameters`` maps ``method.response.header.NAME``
    to a quoted literal such as ``"'*'"``."""
    status = int(status_code)
    if not 100 <= status <= 599:
        raise ValueError(f"status_code must be 100-599 (got {status_code!r})")
    if selection_pattern:
        re.compile(selection_pattern)
    for template in (response_templates or {}).values():
        check_template(template)
    headers = {}
    for name, value in (response_parameters or {}).items():
        prefix = "method.response.header."
        if not name.startswith(prefix) or not (value.startswith("'") and value.endswith("'")):
            raise ValueError(
                "response parameters map 'method.response.header.NAME' to a quoted literal "
                f"\"'value'\" (got {name!r}: {value!r})"
            )
        headers[name[len(prefix) :]] = value[1:-1]
    return IntegrationResponse(
        status, selection_pattern or None, dict(response_templates or {}), headers
    )
