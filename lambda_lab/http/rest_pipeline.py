"""What a request to a REST API meets, in API Gateway's order, before and after the function.

1. the **stage** in the path (``/prod/items``; unknown: 403 Forbidden) and, for a canary
   stage, which deployment serves this request;
2. the **payload limit** (10 MB; 413) and the **route** (none: 403 Missing Authentication
   Token);
3. the API's **resource policy** (403 ... with an explicit deny);
4. **authorization**: IAM (SigV4), a Lambda authorizer, a Cognito user pool or a JWT
   authorizer (401/403/500);
5. the **API key** and its **usage plan**: throttle and quota per key (403, 429);
6. the stage's per-method **throttle** and the account's (429);
7. **request validation** (400);
8. the stage **cache** (a hit answers without the function; ``Cache-Control: max-age=0``
   from a caller allowed ``execute-api:InvalidateCache`` refreshes the entry);
9. the **integration** (proxy, custom or mock), within its timeout (504).

Each step that refuses answers with its gateway response, and nothing after it runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lambda_lab import limits
from lambda_lab.aws.iam_identities import Caller
from lambda_lab.aws.iam_policies import Decision, evaluate
from lambda_lab.http.apigateway_stages import Definition, Stage
from lambda_lab.http.authorizers import AuthorizerCalls, AuthOutcome, authorize
from lambda_lab.http.cache import cache_key, wants_fresh
from lambda_lab.http.common import Exchange, HttpRequest, HttpResponse, new_request_id
from lambda_lab.http.rest_event import RequestFacts
from lambda_lab.http.rest_integrations import IntegrationCalls, run_integration
from lambda_lab.http.rest_methods import WITH_AUTHORIZER, Method
from lambda_lab.http.throttling import take_all
from lambda_lab.http.validation import body_is_valid, missing_parameters

if TYPE_CHECKING:
    from lambda_lab.http.rest_api import RestApi

# UNCONFIRMED wording: AWS documents that the header is added, not its text.
CACHE_WARNING = '199 - "Cache-Control: max-age=0 ignored: the caller may not invalidate the cache"'


@dataclass
class ApiExchange(Exchange):
    """An :class:`Exchange` of a REST API, with what API Gateway did on the way."""

    stage: str | None = None
    canary: bool = False
    cache: str | None = None  # "hit", "miss", "refresh" or None (not cached)
    authorizer: str | None = None  # "invoked", "cached", "not invoked", "jwt"
    api_key: str | None = None  # the key's name
    response_type: str | None = None  # the gateway response API Gateway answered with


class _Refused(Exception):
    def __init__(self, response_type: str, message: str | None = None, reason: str | None = None):
        self.response_type, self.message, self.reason = response_type, message, reason


def handle(api: RestApi, request: HttpRequest) -> ApiExchange:
    stage_name, _, rest = request.path.lstrip("/").partition("/")
    stage = api.stages.get(stage_name)
    if stage is None:
        exchange = ApiExchange(request, HttpResponse(500))
        return _refused(
            exchange, api.definition, _Refused("STAGE_NOT_FOUND", reason="UnknownStage")
        )
    deployment, variables, canary = stage.pick()
    definition = api.definition if api.auto_deploy else deployment.definition
    exchange = ApiExchange(request, HttpResponse(500), stage=stage.name, canary=canary)
    if len(request.body) > limits.API_GATEWAY_PAYLOAD_MAX_BYTES:
        return _refused(
            exchange, definition, _Refused("REQUEST_TOO_LARGE", reason="RequestTooLarge")
        )
    path = "/" + rest
    found = definition.router.find(request.method, path)
    if found is None:
        return _refused(
            exchange, definition, _Refused("MISSING_AUTHENTICATION_TOKEN", reason="NoMatchingRoute")
        )
    route, params = found
    method = definition.methods[route.key]
    request_id = new_request_id()
    facts = RequestFacts(
        request, path, route.template, params, request_id, stage.name, variables,
        api.api_id, api.account_id, api.domain_name, api.now(),
    )  # fmt: skip
    arn = api.method_arn(stage.name, request.method, path)
    try:
        caller = _resource_policy(api, request, arn)
        authorizer = _authorize(api, definition, stage, method, facts, arn, caller, exchange)
        _api_key(api, method, facts, authorizer, exchange)
        _throttle(api, stage, route.key)
        _validate(definition, method, request, params)
    except _Refused as refused:
        return _refused(exchange, definition, refused, request_id)
    return _integrate(api, definition, stage, method, facts, arn, authorizer, exchange)


def _resource_policy(api: RestApi, request: HttpRequest, arn: str) -> Caller | None:
    caller = api.services.caller(request) if api.services.caller is not None else None
    if api.policy is None:
        return caller
    who = caller.arn if caller is not None else "anonymous"
    decision = evaluate(
        [api.policy], "execute-api:Invoke", arn,
        principal=who, context={"aws:SourceIp": request.client_ip},
    )  # fmt: skip
    if decision is Decision.ALLOW:
        return caller
    suffix = " with an explicit deny" if decision is Decision.EXPLICIT_DENY else ""
    message = (
        f"User: {who} is not authorized to perform: execute-api:Invoke on resource: {arn}{suffix}"
    )
    raise _Refused("ACCESS_DENIED", message, "Denied by the API's resource policy")


def _authorize(
    api: RestApi,
    definition: Definition,
    stage: Stage,
    method: Method,
    facts: RequestFacts,
    arn: str,
    caller: Caller | None,
    exchange: ApiExchange,
) -> AuthOutcome | None:
    kind = method.authorization_type
    if kind == "AWS_IAM":
        if caller is None:
            raise _Refused("MISSING_AUTHENTICATION_TOKEN", reason="Request not signed")
        facts.identity.update(
            accessKey=caller.access_key, accountId=caller.account_id, caller=caller.arn,
            user=caller.user, userArn=caller.arn,
        )  # fmt: skip
        if not evaluate(caller.policies, "execute-api:Invoke", arn).allowed:
            message = f"User: {caller.arn} is not authorized to perform: execute-api:Invoke on resource: {arn}"
            raise _Refused("ACCESS_DENIED", message, "IAM policy does not allow execute-api:Invoke")
        return None
    if kind not in WITH_AUTHORIZER or method.authorizer is None:
        return None
    authorizer = definition.authorizers[method.authorizer]
    calls = AuthorizerCalls(api.invoke, api.now, api.services.jwks, stage.authorizer_cache)
    started = time.perf_counter()
    # No lock around the call: concurrent first requests may each run the authorizer, as
    # they can on AWS; the cache is a dict whose single reads and writes are atomic.
    outcome = authorize(authorizer, facts, arn, calls, method.authorization_scopes)
    exchange.authorizer = outcome.how
    if outcome.response_type is not None:
        raise _Refused(outcome.response_type, outcome.message, outcome.reason or outcome.how)
    if authorizer.type in ("TOKEN", "REQUEST"):  # the Lambda authorizer's own latency
        latency = 0 if outcome.how == "cached" else round((time.perf_counter() - started) * 1000)
        outcome.context["integrationLatency"] = latency
    return outcome


def _api_key(
    api: RestApi,
    method: Method,
    facts: RequestFacts,
    authorizer: AuthOutcome | None,
    exchange: ApiExchange,
) -> None:
    if not method.api_key_required:
        return
    if api.api_key_source == "AUTHORIZER":
        value = authorizer.usage_identifier_key if authorizer is not None else None
    else:
        value = facts.request.header("x-api-key")
    plans = api.services.usage_plans
    if plans is None:
        raise _Refused("INVALID_API_KEY", reason="No usage plans in this account")
    verdict = plans.check(
        value, api.api_id, facts.stage, f"{facts.request.method} {facts.resource}"
    )
    if verdict.key is not None:
        exchange.api_key = verdict.key.name
        facts.identity.update(apiKey=verdict.key.value, apiKeyId=verdict.key.id)
    if verdict.status == 403:
        raise _Refused("INVALID_API_KEY", reason="Missing, unknown or disabled API key, or no plan")
    if verdict.status == 429:
        kind = "QUOTA_EXCEEDED" if verdict.message == "Limit Exceeded" else "THROTTLED"
        raise _Refused(kind, reason=f"Usage plan {verdict.plan.name if verdict.plan else ''}")


def _throttle(api: RestApi, stage: Stage, route_key: str) -> None:
    buckets = []
    limit = stage.method_limit(route_key)
    if limit is not None:
        buckets.append(stage.buckets.get((route_key,), limit))
    if api.services.account_bucket is not None:
        buckets.append(api.services.account_bucket)
    empty = take_all(buckets)
    if empty is not None:
        level = "Account" if buckets[empty] is api.services.account_bucket else "Stage/method"
        raise _Refused("THROTTLED", reason=f"{level} throttle")


def _validate(
    definition: Definition, method: Method, request: HttpRequest, params: dict[str, str]
) -> None:
    validator = definition.validators.get(method.request_validator or "")
    if validator is None:
        return
    if validator.validate_request_parameters:
        missing = missing_parameters(request, method.request_parameters, params)
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            raise _Refused("BAD_REQUEST_PARAMETERS", message, "Request parameters invalid")
    if validator.validate_request_body and method.request_models:
        models = {kind: definition.models[name] for kind, name in method.request_models.items()}
        if not body_is_valid(request, models):
            raise _Refused("BAD_REQUEST_BODY", reason="Request body does not match its model")


def _integrate(
    api: RestApi,
    definition: Definition,
    stage: Stage,
    method: Method,
    facts: RequestFacts,
    arn: str,
    authorizer: AuthOutcome | None,
    exchange: ApiExchange,
) -> ApiExchange:
    request = facts.request
    caching, ttl = stage.caching(method.key, request.method)
    key: tuple[str, ...] = ()
    warning = False
    if caching:
        key = cache_key(
            request, method.key, facts.path_parameters, method.integration.cache_key_parameters
        )
        fresh = wants_fresh(request) and _may_invalidate(api, stage, request, arn)
        if wants_fresh(request) and not fresh:
            strategy = stage.cache_settings.unauthorized_strategy
            if strategy == "FAIL_WITH_403":
                response = HttpResponse(
                    403, [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")],
                    b'{"message":"Unauthorized"}',
                )  # fmt: skip
                exchange.response, exchange.error_reason = (
                    response,
                    "Cache invalidation not allowed",
                )
                return _stamp(exchange, facts.request_id)
            warning = strategy == "SUCCEED_WITH_RESPONSE_HEADER"
        cached = None if fresh else stage.cache.get(key)
        if cached is not None:
            exchange.response, exchange.cache = cached, "hit"
            if warning:
                cached.headers.append(("Warning", CACHE_WARNING))
            return _stamp(exchange, facts.request_id)
        exchange.cache = "refresh" if fresh else "miss"
    result = run_integration(
        method.integration, facts,
        IntegrationCalls(api.invoke, api.services.may_invoke), definition.gateway_responses,
        method_arn=arn, binary_media_types=api.binary_media_types,
        authorizer=authorizer.context if authorizer is not None else None,
    )  # fmt: skip
    if caching and result.answered_by_integration:
        stage.cache.put(key, result.response, ttl)
    exchange.response, exchange.event, exchange.payload = (
        result.response,
        result.event,
        result.payload,
    )
    exchange.function_error, exchange.error_reason = result.function_error, result.reason
    exchange.function_name = result.function_name
    if warning:
        exchange.response.headers.append(("Warning", CACHE_WARNING))
    return _stamp(exchange, facts.request_id)


def _may_invalidate(api: RestApi, stage: Stage, request: HttpRequest, arn: str) -> bool:
    if not stage.cache_settings.require_authorization:
        return True
    caller = api.services.caller(request) if api.services.caller is not None else None
    return (
        caller is not None and evaluate(caller.policies, "execute-api:InvalidateCache", arn).allowed
    )


def _refused(
    exchange: ApiExchange, definition: Definition, refused: _Refused, request_id: str | None = None
) -> ApiExchange:
    exchange.response = definition.gateway_responses.answer(refused.response_type, refused.message)
    exchange.error_reason = refused.reason
    exchange.response_type = refused.response_type
    return _stamp(exchange, request_id or new_request_id())


def _stamp(exchange: ApiExchange, request_id: str) -> ApiExchange:
    exchange.response.headers.append(("x-amzn-RequestId", request_id))
    return exchange
