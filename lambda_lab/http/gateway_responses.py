"""Gateway responses: what a REST API answers when API Gateway itself refuses a request.

Each refusal has a type with a default status (API Gateway guide, "Gateway response types"):
``UNAUTHORIZED`` 401, ``ACCESS_DENIED`` 403, ``INVALID_API_KEY`` 403, ``THROTTLED`` 429,
``BAD_REQUEST_BODY`` 400... The body is ``{"message": <message>}`` and the header
``x-amzn-ErrorType`` names the error. An API may customise any type, or the fallbacks
``DEFAULT_4XX`` and ``DEFAULT_5XX``: another status code, extra headers
(``gatewayresponse.header.Access-Control-Allow-Origin: "'*'"``, which a browser needs to
read a 4XX from another origin) and a body template (``$context.error.messageString``...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.http.common import HttpResponse
from lambda_lab.http.vtl import TemplateInput, check_template, render


@dataclass(frozen=True)
class ResponseType:
    status: int
    message: str | None
    error_type: str
    message_key: str = "message"  # authorizer denials answer with a capital "Message"


TYPES: dict[str, ResponseType] = {
    "ACCESS_DENIED": ResponseType(
        403, "User is not authorized to access this resource", "AccessDeniedException", "Message"
    ),
    "API_CONFIGURATION_ERROR": ResponseType(
        500, "Internal server error", "InternalServerErrorException"
    ),
    "AUTHORIZER_CONFIGURATION_ERROR": ResponseType(500, None, "AuthorizerConfigurationException"),
    "AUTHORIZER_FAILURE": ResponseType(500, None, "AuthorizerFailureException"),
    "BAD_REQUEST_BODY": ResponseType(400, "Invalid request body", "BadRequestException"),
    "BAD_REQUEST_PARAMETERS": ResponseType(
        400, "Missing required request parameters", "BadRequestException"
    ),
    "EXPIRED_TOKEN": ResponseType(
        403, "The security token included in the request is expired", "ExpiredTokenException"
    ),
    "INTEGRATION_FAILURE": ResponseType(
        504, "Internal server error", "InternalServerErrorException"
    ),
    "INTEGRATION_TIMEOUT": ResponseType(
        504, "Endpoint request timed out", "InternalServerErrorException"
    ),
    "INVALID_API_KEY": ResponseType(403, "Forbidden", "ForbiddenException"),
    "MISSING_AUTHENTICATION_TOKEN": ResponseType(
        403, "Missing Authentication Token", "MissingAuthenticationTokenException"
    ),
    "QUOTA_EXCEEDED": ResponseType(429, "Limit Exceeded", "LimitExceededException"),
    "REQUEST_TOO_LARGE": ResponseType(413, "Request Too Long", "RequestTooLarge"),
    "RESOURCE_NOT_FOUND": ResponseType(404, "Not Found", "NotFoundException"),
    "THROTTLED": ResponseType(429, "Too Many Requests", "TooManyRequestsException"),
    "UNAUTHORIZED": ResponseType(401, "Unauthorized", "UnauthorizedException"),
    "WAF_FILTERED": ResponseType(403, "Forbidden", "ForbiddenException"),
    # Not gateway response types of AWS's list, but answers API Gateway makes that the
    # DEFAULT_4XX/5XX customisations also reach: an unknown stage, and a Lambda proxy
    # integration whose function failed or answered something that is no response document.
    "STAGE_NOT_FOUND": ResponseType(403, "Forbidden", "ForbiddenException"),
    "LAMBDA_FUNCTION_ERROR": ResponseType(
        502, "Internal server error", "InternalServerErrorException"
    ),
}
FALLBACKS = ("DEFAULT_4XX", "DEFAULT_5XX")


@dataclass
class GatewayResponse:
    """AWS's ``GatewayResponse``: a status override, header values and body templates."""

    response_type: str
    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # name -> literal value
    templates: dict[str, str] = field(default_factory=dict)  # content type -> template


def parse(
    response_type: str,
    status_code: int | str | None = None,
    response_parameters: dict[str, str] | None = None,
    response_templates: dict[str, str] | None = None,
) -> GatewayResponse:
    """A customisation in AWS's spelling: ``response_parameters`` maps
    ``gatewayresponse.header.NAME`` to a quoted literal such as ``"'*'"``."""
    if response_type not in TYPES and response_type not in FALLBACKS:
        known = ", ".join(sorted([*TYPES, *FALLBACKS]))
        raise ValueError(f"gateway response type must be one of {known} (got {response_type!r})")
    headers = {}
    for name, value in (response_parameters or {}).items():
        prefix = "gatewayresponse.header."
        if not name.startswith(prefix) or not (value.startswith("'") and value.endswith("'")):
            raise ValueError(
                f"response parameters are 'gatewayresponse.header.NAME': \"'literal'\" "
                f"(got {name!r}: {value!r})"
            )
        headers[name[len(prefix) :]] = value[1:-1]
    for template in (response_templates or {}).values():
        check_template(template)
    status = int(status_code) if status_code is not None else None
    return GatewayResponse(response_type, status, headers, dict(response_templates or {}))


class GatewayResponses:
    """An API's gateway responses: defaults, and the customisations put on it."""

    def __init__(self) -> None:
        self._custom: dict[str, GatewayResponse] = {}

    def put(self, response: GatewayResponse) -> None:
        self._custom[response.response_type] = response

    def answer(
        self,
        response_type: str,
        message: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The HTTP response for a refusal of ``response_type`` (``message`` replaces the
        default one, e.g. the list of missing parameters)."""
        kind = TYPES[response_type]
        text = kind.message if message is None else message
        fallback = "DEFAULT_4XX" if kind.status < 500 else "DEFAULT_5XX"
        custom = self._custom.get(response_type) or self._custom.get(fallback)
        status = kind.status
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", kind.error_type)]
        body = json.dumps({kind.message_key: text}).encode()
        if custom is not None:
            if custom.status_code is not None:  # a fallback's status applies to its family
                status = custom.status_code
            headers += list(custom.headers.items())
            template = custom.templates.get("application/json")
            if template is not None:
                error = {
                    "message": text,
                    "messageString": json.dumps(text),
                    "responseType": response_type,
                }
                body = render(
                    template, TemplateInput(), {**(context or {}), "error": error}, {}
                ).encode()
        return HttpResponse(status, headers, body)
