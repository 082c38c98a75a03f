"""An API Gateway REST API: its definition, deployments and stages, configured as on AWS.

The methods mirror the API Gateway operations a console click or ``aws apigateway`` call
makes (``put_method``, ``put_integration``, ``create_authorizer``, ``create_model``,
``create_request_validator``, ``put_gateway_response``, ``create_deployment`` ...), with
AWS's names in Python spelling. What a request meets on its way in is in
:mod:`lambda_lab.http.rest_pipeline`.

Deployments: a stage serves the deployment it points to, so a change to methods,
integrations, authorizers, models or gateway responses reaches a stage only with
``deploy(stage)``, as on AWS. (A RestApi built by hand starts with ``auto_deploy=True``:
every change is live at once; the Lab's ``rest_api_gateway`` turns that off after its first
deployment.) Stage settings (variables, cache, throttling, canary) apply at once.
"""

from __future__ import annotations

import copy
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab import limits
from lambda_lab.aws.iam_identities import Caller
from lambda_lab.http import gateway_responses
from lambda_lab.http.apigateway_stages import Definition, Deployment, Stage
from lambda_lab.http.authorizers import Authorizer, check_pairing, new_authorizer
from lambda_lab.http.cache import CacheSettings
from lambda_lab.http.common import Exchange, HttpRequest, Invoke, stable_id
from lambda_lab.http.rest_methods import (
    TIMEOUT_DEFAULT_MS,
    Method,
    integration_from,
    integration_response_from,
    method_settings,
    uses_stage_variables,
)
from lambda_lab.http.routes import Route, Router, make_route, parse_route_key
from lambda_lab.http.throttling import ThrottleSettings, TokenBucket
from lambda_lab.http.usage_plans import UsagePlans
from lambda_lab.http.validation import RequestValidator, check_schema

_ID_ALPHABET = string.ascii_lowercase + string.digits
ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
MAX_RAISED_TIMEOUT_MS = 300_000  # the most a quota increase has been granted for (UNCONFIRMED)


@dataclass
class GatewayServices:
    """What a REST API uses from outside itself (the Lab's front doors give the real ones)."""

    invoke: Invoke
    now: Callable[[], float] = time.time
    usage_plans: UsagePlans | None = None
    account_bucket: TokenBucket | None = None
    # "fn" or "fn:qualifier" -> (fn, qualifier), checked and granted apigateway's permission
    prepare_target: Callable[[str], tuple[str, str | None]] | None = None
    may_invoke: Callable[[str, str | None, str], bool] | None = None  # (fn, qualifier, arn)
    caller: Callable[[HttpRequest], Caller | None] | None = None  # the SigV4 signer
    jwks: Callable[[str], dict[str, Any]] | None = None  # user pool's issuer URL -> its JWKS
    issuer_exists: Callable[[str], bool] | None = None  # is a JWT issuer there? (CreateAuthorizer)
    extra: dict[str, Any] = field(default_factory=dict)


class RestApi:
    """A REST API with Lambda integrations, its deployments and its stages."""

    def __init__(
        self,
        name: str,
        invoke: Invoke | None = None,
        stage: str = "prod",
        *,
        binary_media_types: tuple[str, ...] = (),
        stage_variables: dict[str, str] | None = None,
        region: str = limits.DEFAULT_REGION,
        account_id: str = limits.ACCOUNT_ID,
        now: Callable[[], float] = time.time,
        services: GatewayServices | None = None,
        endpoint_type: str = "REGIONAL",
        api_key_source: str = "HEADER",
        auto_deploy: bool = True,
        seed: int | None = None,
    ) -> None:
        if services is None:
            if invoke is None:
                raise TypeError("RestApi needs an invoke callable or GatewayServices")
            services = GatewayServices(invoke, now)
        if endpoint_type not in ENDPOINT_TYPES:
            raise ValueError(f"endpoint_type must be one of {', '.join(ENDPOINT_TYPES)}")
        if api_key_source not in ("HEADER", "AUTHORIZER"):
            raise ValueError("api_key_source must be 'HEADER' or 'AUTHORIZER'")
        self.name, self.services = name, services
        self.invoke, self.now = services.invoke, services.now
        self.binary_media_types = tuple(binary_media_types)
        self.region, self.account_id = region, account_id
        self.endpoint_type, self.api_key_source = endpoint_type, api_key_source
        self.api_id = self.id_for(account_id, region, name)
        self.definition = Definition(Router(allow_default=False))
        self.stages: dict[str, Stage] = {}
        self.deployments: list[Deployment] = []
        self.auto_deploy = auto_deploy
        self.policy: dict[str, Any] | None = None  # the API's resource policy
        self.max_timeout_ms = TIMEOUT_DEFAULT_MS  # raise_timeout_quota() lifts it
        self._seed = seed
        self.stage = stage  # the first stage: base_path and invoke_url name it
        self.create_stage(stage, stage_variables)

    @staticmethod
    def id_for(account_id: str, region: str, name: str) -> str:
        """The API's id, derived from its name so a re-run notebook keeps its URLs."""
        return stable_id(account_id, region, "rest", name, length=10, alphabet=_ID_ALPHABET)

    # -- where it answers -----------------------------------------------------------------------
    @property
    def domain_name(self) -> str:
        return f"{self.api_id}.execute-api.{self.region}.amazonaws.com"

    @property
    def base_path(self) -> str:
        """Where the first stage starts on the host (AWS's invoke URL ends with it)."""
        return f"/{self.stage}/"

    @property
    def stage_variables(self) -> dict[str, str]:
        return self.stages[self.stage].variables

    @property
    def router(self) -> Router:
        return self.definition.router

    def method_arn(self, stage: str, method: str, path: str) -> str:
        """``arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>``."""
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/"
            f"{stage}/{method}/{path.lstrip('/')}"
        )

    # -- resources, methods and integrations -----------------------------------------------------
    def add_route(
        self, method: str, resource: str, function_name: str, qualifier: str | None = None
    ) -> Route:
        """A method on a resource (``/items/{id}``, ``/{proxy+}``; ``ANY``) with a Lambda
        proxy integration: the console's quickest setup."""
        target = function_name + (f":{qualifier}" if qualifier else "")
        function_name, qualifier = self._target(target)  # exists, and may be invoked by us
        route = self.router.add(make_route(method, resource, function_name, qualifier))
        integration = integration_from("AWS_PROXY", function_name, qualifier)
        self.definition.methods[route.key] = Method(route, integration)
        return route

    def put_method(self, route_key: str, **settings: Any) -> Method:
        """PutMethod/UpdateMethod: ``authorization_type`` (NONE, CUSTOM, COGNITO_USER_POOLS,
        JWT, AWS_IAM), ``authorizer``, ``authorization_scopes``, ``api_key_required``,
        ``request_validator``, ``request_parameters`` ({"method.request.querystring.q": True}),
        ``request_models`` ({"application/json": "Order"}). Creates the method if needed."""
        settings = method_settings(settings)
        method = self._method(route_key, create=True)
        for model in (settings.get("request_models") or {}).values():
            if model not in self.definition.models:
                raise ValueError(f"no model {model!r}: create_model() it first")
        validator = settings.get("request_validator")
        if validator is not None and validator not in self.definition.validators:
            raise ValueError(f"no request validator {validator!r}: create it first")
        authorizer = settings.get("authorizer")
        if authorizer is not None and authorizer not in self.definition.authorizers:
            raise ValueError(f"no authorizer {authorizer!r}: create_authorizer() it first")
        if authorizer is not None:  # method_settings made sure a type comes with it
            check_pairing(settings["authorization_type"], self.definition.authorizers[authorizer])
        for key, value in settings.items():
            setattr(method, key, value)
        return method

    def put_integration(
        self,
        route_key: str,
        type: str = "AWS_PROXY",
        function: str | None = None,
        **options: Any,
    ) -> Method:
        """PutIntegration: ``type`` AWS_PROXY (Lambda proxy), AWS (Lambda custom) or MOCK;
        ``function`` "name" or "name:alias", stage variables allowed
        (``"orders:${stageVariables.alias}"``); ``timeout_ms``, ``request_templates``,
        ``passthrough_behavior``, ``cache_key_parameters``."""
        method = self._method(route_key, create=True)
        name, qualifier = (None, None) if function is None else self._target(function)
        method.integration = integration_from(
            type, name, qualifier, max_timeout_ms=self.max_timeout_ms, **options
        )
        if type == "AWS":  # the console's default integration response: 200, passthrough
            method.integration.responses.append(integration_response_from(200))
        return method

    def put_integration_response(
        self,
        route_key: str,
        status_code: int | str,
        selection_pattern: str | None = None,
        **options: Any,
    ) -> Method:
        """PutIntegrationResponse: ``selection_pattern`` (a regex on the Lambda error message;
        none: the default response), ``response_templates``, ``response_parameters``."""
        method = self._method(route_key)
        new = integration_response_from(status_code, selection_pattern, **options)
        kept = [
            r for r in method.integration.responses if r.selection_pattern != new.selection_pattern
        ]
        method.integration.responses = [*kept, new]
        return method

    def raise_timeout_quota(self, max_timeout_ms: int) -> None:
        """What a Service Quotas increase grants a Regional or private API since June 2024:
        integration timeouts above 29 s (an edge-optimized API stays at 29 s)."""
        if self.endpoint_type == "EDGE":
            raise ValueError("only Regional and private REST APIs can have a timeout above 29 s")
        if not TIMEOUT_DEFAULT_MS <= max_timeout_ms <= MAX_RAISED_TIMEOUT_MS:
            raise ValueError(f"max_timeout_ms must be {TIMEOUT_DEFAULT_MS}-{MAX_RAISED_TIMEOUT_MS}")
        self.max_timeout_ms = max_timeout_ms

    # -- authorizers, models, validators, gateway responses, CORS -------------------------------
    def create_authorizer(
        self, name: str, type: str, function: str | None = None, **options: Any
    ) -> Authorizer:
        """CreateAuthorizer: TOKEN or REQUEST with a Lambda ``function``, COGNITO_USER_POOLS
        with ``provider_arns``, or JWT with ``jwt_configuration`` (``{"issuers": [{"issuer",
        "audiences"}], "defaultAlgorithms": ["RS256"]}``); ``identity_source``, ``ttl_s``,
        ``identity_validation_expression``."""
        target = None if function is None else self._target(function)
        found = self.services.issuer_exists
        authorizer = new_authorizer(name, type, function=target, issuer_exists=found, **options)
        self.definition.authorizers[name] = authorizer
        return authorizer

    def create_model(self, name: str, schema: dict[str, Any]) -> None:
        """CreateModel: a JSON Schema (draft 4) that request bodies can be validated against."""
        check_schema(schema, f"model {name!r}")
        self.definition.models[name] = copy.deepcopy(schema)

    def create_request_validator(
        self,
        name: str,
        validate_request_body: bool = False,
        validate_request_parameters: bool = False,
    ) -> RequestValidator:
        validator = RequestValidator(name, validate_request_body, validate_request_parameters)
        self.definition.validators[name] = validator
        return validator

    def put_gateway_response(self, response_type: str, **options: Any) -> None:
        """PutGatewayResponse: ``status_code``, ``response_parameters``
        ({"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}), ``response_templates``."""
        self.definition.gateway_responses.put(gateway_responses.parse(response_type, **options))

    def enable_cors(
        self,
        resource: str,
        *,
        allow_origin: str = "*",
        allow_methods: tuple[str, ...] = (),
        allow_headers: str = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token",
    ) -> Method:
        """The console's "Enable CORS" on a resource: an OPTIONS method with a mock
        integration that answers the browser's preflight. (With a Lambda proxy integration
        the function must still add ``Access-Control-Allow-Origin`` to its own answers.)"""
        on_resource = {
            m.route.method for m in self.definition.methods.values() if m.route.template == resource
        }
        methods = allow_methods or tuple(sorted(on_resource | {"OPTIONS"}))
        key = f"OPTIONS {resource}"
        self.put_integration(
            key, "MOCK", request_templates={"application/json": '{"statusCode": 200}'}
        )
        self.put_integration_response(
            key,
            200,
            response_parameters={
                "method.response.header.Access-Control-Allow-Headers": f"'{allow_headers}'",
                "method.response.header.Access-Control-Allow-Methods": f"'{','.join(methods)}'",
                "method.response.header.Access-Control-Allow-Origin": f"'{allow_origin}'",
            },
            response_templates={"application/json": ""},
        )
        return self.definition.methods[key]

    # -- deployments and stages --------------------------------------------------------------------
    def deploy(
        self,
        stage: str | None = None,
        *,
        description: str = "",
        canary_percent: float | None = None,
        canary_variables: dict[str, str] | None = None,
    ) -> Deployment:
        """CreateDeployment to ``stage`` (the first stage by default; a new name creates the
        stage). With ``canary_percent`` the new deployment becomes the stage's canary and the
        stage keeps serving its current deployment to the rest of the traffic."""
        name = stage or self.stage
        deployment = Deployment(
            stable_id(self.api_id, str(len(self.deployments)), length=6, alphabet=_ID_ALPHABET),
            self.definition.frozen(),
            description,
        )
        self.deployments.append(deployment)
        if name not in self.stages:
            self.stages[name] = Stage(name, deployment, self.now, seed=self._seed)
        elif canary_percent is not None:
            self.stages[name].start_canary(canary_percent, deployment, canary_variables)
        else:
            self.stages[name].deployment = deployment
        return deployment

    def create_stage(self, name: str, variables: dict[str, str] | None = None) -> Stage:
        """CreateStage pointing at the latest deployment (made now if there is none)."""
        if name in self.stages:
            raise ValueError(f"stage {name!r} already exists")
        latest = self.deployments[-1] if self.deployments else None
        if latest is None:
            latest = self.deploy(name)
            stage = self.stages[name]
        else:
            stage = self.stages[name] = Stage(name, latest, self.now, seed=self._seed)
        stage.set_variables(variables or {})
        return stage

    def update_stage(
        self,
        name: str,
        *,
        variables: dict[str, str] | None = None,
        cache: CacheSettings | dict[str, Any] | None = None,
        throttle: ThrottleSettings | dict[str, float] | None = None,
        method_throttle: dict[str, Any] | None = None,
        method_cache: dict[str, dict[str, Any]] | None = None,
    ) -> Stage:
        """UpdateStage: variables, the cache (``enabled``, ``ttl_s``, ``methods``,
        ``require_authorization``, ``unauthorized_strategy``), the default method throttle,
        and per-method throttles and caching keyed by route (``"GET /items"``)."""
        return self.stages[name].update(
            variables=variables,
            cache=cache,
            throttle=throttle,
            method_throttle=method_throttle,
            method_cache=method_cache,
        )

    def flush_stage_cache(self, name: str) -> None:
        self.stages[name].cache.flush()

    def promote_canary(self, name: str) -> None:
        """The canary's deployment and variable overrides become the stage's own."""
        self.stages[name].promote_canary()

    # -- the data plane -------------------------------------------------------------------------
    def handle(self, request: HttpRequest) -> Exchange:
        from lambda_lab.http.rest_pipeline import handle

        return handle(self, request)

    def live(self, stage: Stage) -> Definition:
        """The definition a stage serves now (the live one while ``auto_deploy`` is on)."""
        return self.definition if self.auto_deploy else stage.deployment.definition

    # -- helpers ----------------------------------------------------------------------------------
    def _target(self, function: str) -> tuple[str, str | None]:
        if uses_stage_variables(function):  # checked per request, like AWS; no permission added
            name, _, qualifier = function.partition(":")
            return name, qualifier or None
        if self.services.prepare_target is not None:
            return self.services.prepare_target(function)
        name, _, qualifier = function.partition(":")
        return name, qualifier or None

    def _method(self, route_key: str, create: bool = False) -> Method:
        found = self.definition.methods.get(route_key)
        if found is not None:
            return found
        if not create:
            raise ValueError(f"no method {route_key!r}: put_method() or add_route() it first")
        method, template = parse_route_key(route_key)
        route = self.router.add(make_route(method, template, "", None))
        created = Method(route, integration_from("MOCK", None, None))
        self.definition.methods[route.key] = created
        return created
