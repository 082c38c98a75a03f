"""JWT authorizers: API Gateway checks a bearer token itself, with no function to run.

Configured with CreateAuthorizer, type ``JWT``:

* an **HTTP API** (apigatewayv2) takes ``JwtConfiguration`` ``{"Issuer": url, "Audience":
  [...]}`` and reads ``$request.header.NAME``; it verifies RSA signatures;
* a **REST API** (apigateway) takes ``jwtConfiguration`` ``{"issuers": [{"issuer",
  "audiences", "additionalClaims"}], "defaultAlgorithms": [...]}`` and reads
  ``method.request.header.NAME``.

A request passes (API Gateway guide, "Control access to HTTP APIs with JWT authorizers") when
the header holds a token, alone or after ``Bearer``; the header's ``kid`` names a key of the
issuer's JWKS that verifies the signature with an accepted algorithm; ``iss`` is a trusted
issuer; ``aud`` holds one of its audiences or, only when there is no ``aud``, ``client_id``
does (HTTP API troubleshooting guide; for REST APIs, whose model names only ``aud``, the Lab
applies the same rule, UNCONFIRMED); ``exp`` is after now and ``nbf``, if any, not after
now; a REST issuer's additional claims hold; and, when the route or method lists scopes,
``scope`` (or ``scp``) holds one of them. Otherwise 401, or 403 when only the scopes fail.

``iat`` is not checked: the Lab's Cognito stamps tokens with the wall clock, which a virtual
Lab clock may stand behind, so a fresh token would look issued in the future.
The Lab reaches no issuer but its own Cognito user pools, so CreateAuthorizer refuses others.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from lambda_lab.http import cognito_jwt
from lambda_lab.http.common import FrontDoorConfigError, HttpResponse, json_response

ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")  # REST's defaultAlgorithms
RESERVED_CLAIMS = ("iss", "aud", "exp", "nbf", "iat", "scope", "scp")
HTTP_SOURCE = re.compile(r"\$request\.header\.([!#$%&'*+.^_`|~0-9A-Za-z-]+)\Z")
REST_SOURCE = re.compile(r"method\.request\.header\.([!#$%&'*+.^_`|~0-9A-Za-z-]+)\Z")
AUDIENCE = "the token does not have a valid audience"  # the troubleshooting guide's words
# UNCONFIRMED: AWS documents only the audience text above; the other reasons are the Lab's.
ISSUER = "the token does not have a valid issuer"
EXPIRED = "the token has expired"
NOT_YET = "the token is not valid yet (nbf)"
SCOPES = "the token does not have any of the required scopes"


@dataclass(frozen=True)
class ClaimRule:
    """A REST issuer's additional claim: a single string, maybe required, maybe one of values."""

    name: str
    required: bool = False
    expected: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrustedIssuer:
    url: str
    audiences: tuple[str, ...]
    claims: tuple[ClaimRule, ...] = ()


@dataclass(frozen=True)
class JwtConfig:
    """What a JWT authorizer checks, whichever API type it belongs to."""

    header: str  # the request header holding the token
    issuers: tuple[TrustedIssuer, ...]
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """200 with the claims, 401 or 403 with why, 500 when the issuer's keys were out of reach."""

    status: int
    description: str = ""
    claims: dict[str, Any] | None = None
    scopes: tuple[str, ...] | None = None  # the token's scopes, when the route asked for some


# -- CreateAuthorizer --------------------------------------------------------------------------
def http_api_config(jwt_configuration: Any, identity_source: str | list[str]) -> JwtConfig:
    """An HTTP API's ``JwtConfiguration``, checked as CreateAuthorizer checks it."""
    header = _header(identity_source, HTTP_SOURCE, "$request.header.Authorization")
    settings = _mapping(
        jwt_configuration, "jwt_configuration", '{"Issuer": ..., "Audience": [...]}'
    )
    audiences = _texts(settings.get("Audience"), "JwtConfiguration.Audience")
    url = _issuer_url(settings.get("Issuer"), "JwtConfiguration.Issuer")
    # RSA only, as AWS documents for HTTP APIs
    return JwtConfig(header, (TrustedIssuer(url, audiences),), tuple(cognito_jwt.RSA_HASHES))


def rest_api_config(
    jwt_configuration: Any, identity_source: str, issuer_exists: Callable[[str], bool] | None
) -> JwtConfig:
    """A REST API's ``jwtConfiguration``, checked as CreateAuthorizer checks it; with
    ``issuer_exists``, each issuer must be there now (AWS reads its discovery document)."""
    header = _header(identity_source, REST_SOURCE, "method.request.header.Authorization")
    settings = _mapping(
        jwt_configuration, "jwt_configuration", '{"issuers": [...], "defaultAlgorithms": [...]}'
    )
    algorithms = _texts(settings.get("defaultAlgorithms"), "jwtConfiguration.defaultAlgorithms")
    wrong = sorted(set(algorithms) - set(ALGORITHMS))
    if wrong:
        raise _error(f"defaultAlgorithms must be among {', '.join(ALGORITHMS)} (got {wrong})")
    listed = settings.get("issuers")
    if not isinstance(listed, list) or not listed:
        raise _error("jwtConfiguration.issuers must list at least one trusted issuer")
    issuers = tuple(_rest_issuer(item) for item in listed)
    urls = [issuer.url for issuer in issuers]
    if len(set(urls)) != len(urls):
        raise _error(f"issuer URLs must be unique (got {urls})")
    for url in urls:
        if issuer_exists is not None and not issuer_exists(url):
            raise _error(f"the Lab's Cognito has no user pool behind {url}: create it first")
    return JwtConfig(header, issuers, algorithms)


def scopes_of(values: Iterable[str] | None) -> tuple[str, ...]:
    """A route's or method's AuthorizationScopes, checked."""
    scopes = tuple(values or ())
    if not all(isinstance(s, str) and s and " " not in s for s in scopes):
        raise _error(f"authorization scopes are non-empty strings without spaces (got {list(scopes)})")  # fmt: skip
    return scopes


# -- a request ---------------------------------------------------------------------------------
def judge(
    config: JwtConfig,
    header_value: str | None,
    jwks: Callable[[str], dict[str, Any]],
    now: float,
    scopes: tuple[str, ...] = (),
) -> Verdict:
    """The authorizer's decision on one request; ``jwks`` maps an issuer URL to its JWKS."""
    token = (header_value or "").strip()
    token = token[len("Bearer ") :].strip() if token.startswith("Bearer ") else token
    if not token:
        return Verdict(401, "no token in the identity source")  # UNCONFIRMED wording
    try:
        decoded = cognito_jwt.decode(token)
    except cognito_jwt.BadToken as bad:
        return Verdict(401, str(bad))
    claims = decoded.claims
    trusted = next((i for i in config.issuers if i.url == claims.get("iss")), None)
    keys_from = trusted or (config.issuers[0] if len(config.issuers) == 1 else None)
    if keys_from is None:
        return Verdict(401, ISSUER)
    try:
        keys = jwks(keys_from.url)
    except Exception:  # the issuer's keys could not be fetched: nothing to check against
        return Verdict(500, f"could not fetch the JWKS of {keys_from.url}")
    problem = cognito_jwt.signature_problem(decoded, keys, config.algorithms)
    if problem:
        return Verdict(401, problem)
    if trusted is None:
        return Verdict(401, ISSUER)
    audience = claims["aud"] if "aud" in claims else claims.get("client_id")
    presented = audience if isinstance(audience, list) else [audience]
    if not any(value in trusted.audiences for value in presented):
        return Verdict(401, AUDIENCE)
    expires, not_before = claims.get("exp"), claims.get("nbf", now)
    if not _number(expires) or expires <= now:
        return Verdict(401, EXPIRED)
    if not _number(not_before) or not_before > now:
        return Verdict(401, NOT_YET)
    for rule in trusted.claims:
        value = claims.get(rule.name)
        if (value is None and rule.required) or not _claim_fits(value, rule):
            return Verdict(401, f"the token's {rule.name} claim is not accepted")
    if not scopes:
        return Verdict(200, claims=claims)
    granted = _granted(claims.get("scope", claims.get("scp")))
    if not any(scope in granted for scope in scopes):
        return Verdict(403, SCOPES, claims, granted)
    return Verdict(200, claims=claims, scopes=granted)


def http_api_refusal(verdict: Verdict, scopes: tuple[str, ...]) -> HttpResponse:
    """An HTTP API's answer to a refused token: 401 Unauthorized or 403 Forbidden, with the
    ``www-authenticate`` header the troubleshooting guide shows."""
    if verdict.status == 500:  # UNCONFIRMED: AWS documents no answer for unreachable keys
        return json_response(500, {"message": "Internal Server Error"})
    why = verdict.description.replace('"', "'")  # a token's own text must not end the quote
    if verdict.status == 403:  # UNCONFIRMED header text; the status and error code are OAuth's
        challenge = (
            f'Bearer scope="{" ".join(scopes)}" error="insufficient_scope" '
            f'error_description="{why}"'
        )
        return json_response(403, {"message": "Forbidden"}, [("www-authenticate", challenge)])
    challenge = f'Bearer scope="" error="invalid_token" error_description="{why}"'
    return json_response(401, {"message": "Unauthorized"}, [("www-authenticate", challenge)])


# -- what reaches the integration ------------------------------------------------------------
def event_claims(claims: dict[str, Any]) -> dict[str, str]:
    """An HTTP API event's ``requestContext.authorizer.jwt.claims``: every value a string."""
    return {name: _as_text(value) for name, value in claims.items()}


class JwtClaimsContext(dict[str, Any]):
    """A REST API's ``requestContext.authorizer`` after a JWT authorizer: ``{"claims": ...}``
    with each claim's JSON type for a proxy integration ("Pass JWT claims to your
    integration"); mapping templates read each claim as JSON text."""

    def for_templates(self) -> dict[str, Any]:
        claims = self.get("claims") or {}
        return {**self, "claims": {name: _json_text(value) for name, value in claims.items()}}


# -- helpers ------------------------------------------------------------------------------------
def _rest_issuer(item: Any) -> TrustedIssuer:
    settings = _mapping(item, "an issuer", '{"issuer": ..., "audiences": [...]}')
    url = _issuer_url(settings.get("issuer"), "issuer")
    audiences = _texts(settings.get("audiences"), f"audiences of {url}")
    rules = []
    for claim in settings.get("additionalClaims") or []:
        claim = _mapping(claim, "an additional claim", '{"claimName": ..., "required": true}')
        name = claim.get("claimName")
        if not isinstance(name, str) or not name or name in RESERVED_CLAIMS:
            raise _error(
                f"claimName must be a non-empty name other than {', '.join(RESERVED_CLAIMS)} "
                f"(got {name!r})"
            )
        if claim.get("format", "SINGLE_STRING") != "SINGLE_STRING":
            raise _error(f"the only claim format is SINGLE_STRING (got {claim.get('format')!r})")
        expected = claim.get("expectedValues") or []
        expected = _texts(expected, f"expectedValues of {name}") if expected else ()
        rules.append(ClaimRule(name, bool(claim.get("required", False)), expected))
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise _error(f"claim names must be unique within an issuer (got {names})")
    return TrustedIssuer(url, audiences, tuple(rules))


def _issuer_url(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _error(f"{what} must be the issuer's URL, exactly as tokens carry it in iss")
    parts = urlsplit(value)
    extras = parts.username or parts.query or parts.fragment
    if parts.scheme != "https" or not parts.hostname or extras:
        raise _error(f"{what} must be an absolute https URL without query or fragment (got {value!r})")  # fmt: skip
    if cognito_jwt.pool_of(value) is None:
        raise _error(
            f"the Lab can reach only its own Cognito user pools as issuers, "
            f"https://cognito-idp.<region>.amazonaws.com/<user pool id> (got {value!r})"
        )
    return value


def _header(source: str | list[str], pattern: re.Pattern[str], example: str) -> str:
    sources = [source] if isinstance(source, str) else list(source or [])
    found = pattern.match(sources[0].strip()) if len(sources) == 1 else None
    if found is None:
        raise _error(f"a JWT authorizer reads exactly one header, such as {example} (got {source!r})")  # fmt: skip
    return found.group(1)


def _mapping(value: Any, what: str, shape: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _error(f"a JWT authorizer needs {what} shaped {shape} (got {value!r})")
    return value


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise _error(f"{what} must be a list of at least one non-empty string (got {value!r})")
    return tuple(value)


def _error(message: str) -> FrontDoorConfigError:
    return FrontDoorConfigError(message, "BadRequestException")


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _granted(value: Any) -> tuple[str, ...]:
    """The token's scopes: ``scope`` is space-separated text; some issuers send ``scp`` as a list."""
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return tuple(str(value or "").split())


def _claim_fits(value: Any, rule: ClaimRule) -> bool:
    if value is None:
        return True  # absent and optional
    return isinstance(value, str) and (not rule.expected or value in rule.expected)


def _as_text(value: Any) -> str:
    # UNCONFIRMED beyond strings and whole numbers (which AWS's examples show as "1612061676"):
    # lists as "[a b]" and objects as JSON, as HTTP APIs are reported to render them.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return "[" + " ".join(_as_text(item) for item in value) + "]"
    return json.dumps(value, separators=(",", ":"))


def _json_text(value: Any) -> str:
    # JSON text, non-ASCII written as \u00E9 (upper-case hex, as AWS's example shows)
    text = json.dumps(value, separators=(",", ":"))
    return re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), text)
