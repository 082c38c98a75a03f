"""REST API authorizers: Lambda (TOKEN and REQUEST) and Cognito user pools.

A **Lambda authorizer** is a function API Gateway calls before the method's integration.
TOKEN authorizers get ``{"type": "TOKEN", "authorizationToken", "methodArn"}`` from one
header; REQUEST authorizers get the request's headers, query string, path parameters,
stage variables and context. The function answers with a ``principalId``, an IAM
``policyDocument`` allowing or denying ``execute-api:Invoke`` on method ARNs, an optional
``context`` map (strings, numbers, booleans) and, for usage plans fed by the authorizer, a
``usageIdentifierKey``. API Gateway caches that answer by the identity source values for
the authorizer's TTL (300 s by default, 3,600 s at most, 0 = off): the cached policy then
judges every method called with the same identity, which is why a policy should cover all
the methods a caller may use.

Answers (API Gateway's): identity source missing, or a TOKEN failing its validation
expression, ``401 {"message":"Unauthorized"}`` without calling the function; the function
raising ``Unauthorized`` the same 401; an explicit ``Deny``
``403 {"Message":"User is not authorized to access this resource with an explicit deny"}``;
no matching ``Allow`` ``403 {"Message":"User is not authorized to access this resource"}``;
any other failure or a malformed answer ``500 {"message": null}``
(``AuthorizerConfigurationException``).

A **Cognito user-pool authorizer** checks a JWT from the pool (see :mod:`cognito_jwt`) and
passes its claims as ``requestContext.authorizer.claims``; a bad token is a 401.
A **JWT authorizer** checks a token from the issuers it trusts (:mod:`jwt_authorizers`, the
rules HTTP APIs use too) and passes its claims, with their JSON types, the same way; a bad
token is a 401, a token without any of the method's scopes a 403.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.aws.iam_policies import Decision, PolicyError, evaluate
from lambda_lab.http import cognito_jwt, jwt_authorizers
from lambda_lab.http.common import Invoke, call_function, parse_payload, split_query
from lambda_lab.http.jwt_authorizers import JwtClaimsContext, JwtConfig
from lambda_lab.http.rest_event import RequestFacts, request_authorizer_event

TYPES = ("TOKEN", "REQUEST", "COGNITO_USER_POOLS", "JWT")
METHOD_TYPES = {"TOKEN": "CUSTOM", "REQUEST": "CUSTOM", "COGNITO_USER_POOLS": "COGNITO_USER_POOLS",
                "JWT": "JWT"}  # fmt: skip
DEFAULT_TTL_S = 300
MAX_TTL_S = 3600
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
_SOURCE = re.compile(r"(method\.request\.(header|querystring)|stageVariables|context)\.(.+)\Z")


@dataclass
class Authorizer:
    """AWS's ``Authorizer``: its type, function or user pools, identity sources and TTL."""

    name: str
    type: str
    identity_sources: tuple[str, ...]
    function_name: str | None = None
    qualifier: str | None = None
    ttl_s: int = DEFAULT_TTL_S
    identity_validation_expression: str | None = None
    provider_arns: tuple[str, ...] = ()
    jwt: JwtConfig | None = None


def new_authorizer(
    name: str,
    type: str,
    *,
    function: tuple[str, str | None] | None = None,
    identity_source: str = "method.request.header.Authorization",
    ttl_s: int = DEFAULT_TTL_S,
    identity_validation_expression: str | None = None,
    provider_arns: tuple[str, ...] | list[str] = (),
    jwt_configuration: dict[str, Any] | None = None,
    issuer_exists: Callable[[str], bool] | None = None,
) -> Authorizer:
    """An authorizer, checked as CreateAuthorizer checks it."""
    if type not in TYPES:
        raise ValueError(f"authorizer type must be one of {', '.join(TYPES)} (got {type!r})")
    if type == "JWT":
        if function is not None or provider_arns:
            raise ValueError("a JWT authorizer takes jwt_configuration, not a function or pools")
        config = jwt_authorizers.rest_api_config(jwt_configuration, identity_source, issuer_exists)
        return Authorizer(name, type, (identity_source,), jwt=config)
    if jwt_configuration is not None:
        raise ValueError(f"jwt_configuration is for JWT authorizers, not {type}")
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or not 0 <= ttl_s <= MAX_TTL_S:
        raise ValueError(f"authorizer TTL must be 0-{MAX_TTL_S} seconds (got {ttl_s!r})")
    sources = tuple(s.strip() for s in identity_source.split(",") if s.strip())
    for source in sources:
        if not _SOURCE.match(source):
            raise ValueError(
                "identity sources are method.request.header.NAME, method.request.querystring.NAME, "
                f"stageVariables.NAME or context.NAME (got {source!r})"
            )
    if type in ("TOKEN", "COGNITO_USER_POOLS") and (
        len(sources) != 1 or not sources[0].startswith("method.request.header.")
    ):
        raise ValueError(f"a {type} authorizer reads exactly one header (got {identity_source!r})")
    if type == "COGNITO_USER_POOLS":
        if not provider_arns:
            raise ValueError("a COGNITO_USER_POOLS authorizer needs the user pools' ARNs")
        for arn in provider_arns:
            cognito_jwt.issuer(arn)  # raises for a malformed ARN
    elif function is None:
        raise ValueError(f"a {type} authorizer needs a Lambda function")
    if identity_validation_expression:
        re.compile(identity_validation_expression)
    name_, qualifier = function if function else (None, None)
    return Authorizer(
        name,
        type,
        sources,
        name_,
        qualifier,
        ttl_s,
        identity_validation_expression or None,
        tuple(provider_arns),
    )


def check_pairing(authorization_type: str, authorizer: Authorizer) -> None:
    """A method's authorization type must fit its authorizer (CUSTOM for Lambda ones)."""
    wanted = METHOD_TYPES[authorizer.type]
    if authorization_type != wanted:
        raise ValueError(
            f"authorizer {authorizer.name!r} ({authorizer.type}) needs authorization_type "
            f"{wanted!r} (got {authorization_type!r})"
        )


@dataclass(frozen=True)
class AuthOutcome:
    """What an authorizer decided. ``response_type`` None means the request may go on."""

    response_type: str | None = None
    message: str | None = None
    context: dict[str, Any] = field(default_factory=dict)  # -> requestContext.authorizer
    usage_identifier_key: str | None = None
    how: str = "invoked"  # "invoked", "cached", "not invoked" (missing identity) or "jwt"
    reason: str = ""  # why a token was refused (kept for the lesson; never sent to clients)


@dataclass
class AuthorizerCalls:
    """What an authorizer run needs from the API: the Lab's invoke, its clock, the stage's
    cache, and (for Cognito) a way to fetch a pool's JWKS."""

    invoke: Invoke
    now: Callable[[], float]
    jwks: Callable[[str], dict[str, Any]] | None = None  # issuer URL -> JWKS document
    cache: dict[tuple[str, ...], tuple[float, Any]] = field(default_factory=dict)


def authorize(
    authorizer: Authorizer,
    facts: RequestFacts,
    method_arn: str,
    calls: AuthorizerCalls,
    scopes: tuple[str, ...] = (),
) -> AuthOutcome:
    """Run ``authorizer`` for one request."""
    values = identity_values(authorizer, facts)
    if values is None:
        return AuthOutcome("UNAUTHORIZED", how="not invoked")
    if authorizer.type == "COGNITO_USER_POOLS":
        return _cognito(authorizer, values[0], calls, scopes)
    if authorizer.type == "JWT":
        return _jwt(authorizer, values[0], calls, scopes)
    expression = authorizer.identity_validation_expression
    if authorizer.type == "TOKEN" and expression and not re.fullmatch(expression, values[0]):
        return AuthOutcome("UNAUTHORIZED", how="not invoked")
    key = (authorizer.name, *values)
    now = calls.now()
    cached = calls.cache.get(key) if authorizer.ttl_s > 0 else None
    how = "cached"
    if cached is not None and cached[0] > now:
        answer = cached[1]
    else:
        how = "invoked"
        answer = _call(authorizer, values, facts, method_arn, calls)
        if isinstance(answer, AuthOutcome):
            return answer
        if authorizer.ttl_s > 0:
            calls.cache[key] = (now + authorizer.ttl_s, answer)
    return _judge(answer, method_arn, how)


def identity_values(authorizer: Authorizer, facts: RequestFacts) -> tuple[str, ...] | None:
    """The identity source values, or None when one is missing or empty. (A REQUEST
    authorizer with caching off may have none: the function then decides alone.)"""
    query = dict(split_query(facts.request.query, decode=True))
    values = []
    for source in authorizer.identity_sources:
        found = _SOURCE.match(source)
        assert found is not None  # checked when the authorizer was made
        where, name = found.group(1), found.group(3)
        if where == "method.request.header":
            value = facts.request.header(name)
        elif where == "method.request.querystring":
            value = query.get(name)
        elif where == "stageVariables":
            value = facts.stage_variables.get(name)
        else:
            value = str(facts.request_context().get(name) or "")
        if not value:
            if authorizer.type == "REQUEST" and authorizer.ttl_s == 0:
                continue
            return None
        values.append(value)
    return tuple(values)


def _call(
    authorizer: Authorizer,
    values: tuple[str, ...],
    facts: RequestFacts,
    method_arn: str,
    calls: AuthorizerCalls,
) -> dict[str, Any] | AuthOutcome:
    """Invoke the authorizer function; its document, or the outcome of a failure."""
    if authorizer.type == "TOKEN":
        event: dict[str, Any] = {
            "type": "TOKEN",
            "authorizationToken": values[0],
            "methodArn": method_arn,
        }
    else:
        event = request_authorizer_event(facts, method_arn)
    assert authorizer.function_name is not None
    outcome = call_function(calls.invoke, authorizer.function_name, event, authorizer.qualifier)
    if outcome.function_error is not None:
        ok, error = parse_payload(outcome.payload or b"")
        message = error.get("errorMessage") if ok and isinstance(error, dict) else None
        if message == "Unauthorized":
            return AuthOutcome("UNAUTHORIZED")
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR")
    if not outcome.ok:
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR")
    ok, answer = parse_payload(outcome.payload or b"")
    if not ok or not _well_formed(answer):
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR")
    return dict(answer)


def _well_formed(answer: Any) -> bool:
    if not isinstance(answer, dict) or not isinstance(answer.get("policyDocument"), dict):
        return False
    context = answer.get("context") or {}
    return isinstance(context, dict) and all(
        isinstance(v, (str, int, float, bool)) for v in context.values()
    )


def _judge(answer: dict[str, Any], method_arn: str, how: str) -> AuthOutcome:
    """Apply the (possibly cached) policy to this method."""
    try:
        decision = evaluate([answer["policyDocument"]], "execute-api:Invoke", method_arn)
    except PolicyError:
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR", how=how)
    if decision is Decision.EXPLICIT_DENY:
        return AuthOutcome("ACCESS_DENIED", EXPLICIT_DENY, how=how)
    if decision is Decision.IMPLICIT_DENY:
        return AuthOutcome("ACCESS_DENIED", how=how)
    context: dict[str, Any] = {"principalId": answer.get("principalId")}
    for key, value in (answer.get("context") or {}).items():
        context[key] = json.dumps(value) if isinstance(value, bool) else str(value)
    return AuthOutcome(
        context=context, usage_identifier_key=answer.get("usageIdentifierKey"), how=how
    )


def _cognito(
    authorizer: Authorizer, token: str, calls: AuthorizerCalls, scopes: tuple[str, ...]
) -> AuthOutcome:
    if calls.jwks is None:
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR", how="jwt")
    token = token.removeprefix("Bearer ").strip()
    claims = cognito_jwt.unverified_claims(token)
    issuers = {cognito_jwt.issuer(arn) for arn in authorizer.provider_arns}
    pool = str((claims or {}).get("iss"))
    if pool not in issuers:
        return AuthOutcome(
            "UNAUTHORIZED", how="jwt", reason="not a token of the authorizer's pools"
        )
    try:
        jwks = calls.jwks(pool)
    except Exception:  # the pool's keys could not be fetched: a configuration problem
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR", how="jwt")
    check = cognito_jwt.verify(token, jwks, issuers, calls.now(), scopes)
    if not check.valid:
        return AuthOutcome("UNAUTHORIZED", how="jwt", reason=check.reason)
    assert check.claims is not None
    claims_text = {k: v if isinstance(v, str) else json.dumps(v) for k, v in check.claims.items()}
    return AuthOutcome(context={"claims": claims_text}, how="jwt")


def _jwt(
    authorizer: Authorizer, token: str, calls: AuthorizerCalls, scopes: tuple[str, ...]
) -> AuthOutcome:
    assert authorizer.jwt is not None
    if calls.jwks is None:
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR", how="jwt")
    verdict = jwt_authorizers.judge(authorizer.jwt, token, calls.jwks, calls.now(), scopes)
    if verdict.status == 500:
        return AuthOutcome("AUTHORIZER_CONFIGURATION_ERROR", how="jwt", reason=verdict.description)
    if verdict.status == 403:  # UNCONFIRMED: the gateway response a REST API uses for scopes
        return AuthOutcome("ACCESS_DENIED", how="jwt", reason=verdict.description)
    if verdict.status != 200:
        return AuthOutcome("UNAUTHORIZED", how="jwt", reason=verdict.description)
    return AuthOutcome(context=JwtClaimsContext(claims=verdict.claims), how="jwt")
