"""The Lab's HTTP front doors: load balancers, API Gateway APIs and function URLs.

One :class:`FrontDoors` per Lab (``lab.front_doors()``). It builds each door around the
Lab's own ``invoke`` and clock, serves it on a loopback listener and closes every
listener when the Lab closes. The short forms ``lab.alb()``, ``lab.http_api()`` and
``lab.rest_api_gateway()`` delegate here; function URLs come from the Lambda API
(``create_function_url_config``), as on AWS.

Like the console's wizards, creating a load balancer or an API adds the resource-based
policy statement that lets the service invoke the function (see ``get_policy``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.control.url_configs import FunctionUrlConfigs
from lambda_lab.control.versions import LATEST, split_qualifier
from lambda_lab.http.alb import MULTI_VALUE_ATTRIBUTE, LoadBalancer, TargetGroup
from lambda_lab.http.apigateway import HttpApi, RestApi
from lambda_lab.http.apigateway_account import ApiGatewayAccount
from lambda_lab.http.common import FrontDoor, FrontDoorConfigError, stable_id
from lambda_lab.http.rest_methods import uses_stage_variables
from lambda_lab.http.served import ServedDoor, ServedHttpApi, ServedLoadBalancer
from lambda_lab.http.served_rest import ServedRestApi

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

# ELB names: 1-32 letters, digits and hyphens, no hyphen at either end.
_ELB_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,32}(?<!-)\Z")
Routes = str | Mapping[str, str]  # a function name, or {"GET /items/{id}": "function[:alias]"}


class FrontDoors:
    """Every HTTP door of one Lab; thread-safe. ``close()`` stops all their listeners."""

    def __init__(self, lab: Lab) -> None:
        self._lab = lab
        self._doors: dict[tuple[str, str], ServedDoor] = {}  # (kind, name) -> door
        self._lock = threading.Lock()
        from lambda_lab.api.runtime_api import streamed

        self.function_urls = FunctionUrlConfigs(
            functions=lab.functions,
            versions=lab.versions,
            policies=lab.permissions,
            invoke=self.invoke,
            now=self.now,
            region=lab.region,
            account_id=lab.account_id,
            closed=lambda: lab.closed,
            streamed=streamed,
        )
        self._apigateway: ApiGatewayAccount | None = None

    # -- what every door calls ------------------------------------------------------------------
    def invoke(self, function_name: str, event: Any, qualifier: str | None = None) -> Any:
        """A synchronous invoke, as ALB and API Gateway make it (no log tail requested)."""
        return self._lab.invoke(function_name, event, qualifier=qualifier, log_type="None")

    def now(self) -> float:
        return self._lab.clock.time()

    # -- load balancers -----------------------------------------------------------------------
    def alb(
        self,
        name: str,
        function_name: str,
        *,
        target_group: str | None = None,
        multi_value_headers: bool = False,
        health_check: bool = False,
        port: int = 0,
    ) -> ServedLoadBalancer:
        """An internet-facing ALB with an HTTP listener whose default action forwards to a
        target group of type ``lambda`` holding ``function_name`` (``name:alias`` allowed).

        ``multi_value_headers`` sets the target group attribute
        ``lambda.multi_value_headers.enabled``. Creating a door with a name already in use
        replaces it, on the same port when none is given.
        """
        _check_open(self._lab)
        _check_elb_name("load balancer", name)
        group_name = target_group or f"{name[:29]}-tg"
        _check_elb_name("target group", group_name)
        function, qualifier = self._existing_function(function_name)
        group = TargetGroup(group_name, function, qualifier, self._lab.region, self._lab.account_id)
        group.set_attribute(MULTI_VALUE_ATTRIBUTE, multi_value_headers)
        group.health_check_enabled = health_check
        self._grant(function, qualifier, "elasticloadbalancing.amazonaws.com", group.arn)
        balancer = LoadBalancer(name, self.invoke, group, now=self.now)
        return self._serve("alb", balancer, port, ServedLoadBalancer)  # type: ignore[return-value]

    # -- API Gateway --------------------------------------------------------------------------
    def http_api(self, name: str, routes: Routes, *, port: int = 0) -> ServedHttpApi:
        """An HTTP API (payload 2.0) on its ``$default`` stage. ``routes`` maps route keys
        (``"GET /items/{id}"``, ``"$default"``) to functions; a bare function name means
        ``{"$default": name}``. The answer's ``.api`` adds JWT authorizers to routes."""
        _check_open(self._lab)
        lab = self._lab
        api = HttpApi(
            name, self.invoke, region=lab.region, account_id=lab.account_id, now=self.now,
            jwks=self.apigateway.jwks,
        )  # fmt: skip
        self._add_routes(api, {"$default": routes} if isinstance(routes, str) else dict(routes))
        return self._serve("http", api, port, ServedHttpApi)  # type: ignore[return-value]

    def rest_api_gateway(
        self,
        name: str,
        routes: Routes,
        *,
        stage: str = "prod",
        binary_media_types: tuple[str, ...] = (),
        stage_variables: dict[str, str] | None = None,
        endpoint_type: str = "REGIONAL",
        api_key_source: str = "HEADER",
        seed: int | None = None,
        port: int = 0,
    ) -> ServedRestApi:
        """A REST API (Lambda proxy integration, payload 1.0) deployed to ``stage``.

        ``routes`` maps ``"METHOD /resource"`` to functions (``name`` or ``name:alias``); a
        bare function name means ``ANY /`` and ``ANY /{proxy+}``, the console's "proxy
        resource". The answer's ``.api`` configures the rest (methods, authorizers, stages);
        later changes to methods reach a stage with ``.api.deploy(stage)``, as on AWS.
        (``lab.rest_api()`` is something else: the Lambda service's own REST API.)
        """
        _check_open(self._lab)
        lab = self._lab
        api_id = RestApi.id_for(lab.account_id, lab.region, name)
        api = RestApi(
            name,
            stage=stage,
            binary_media_types=binary_media_types,
            region=lab.region,
            account_id=lab.account_id,
            services=self.apigateway.services(api_id, lab.region, self.invoke),
            endpoint_type=endpoint_type,
            api_key_source=api_key_source,
            seed=seed,
        )
        if isinstance(routes, str):  # one function behind a greedy proxy resource
            self._add_routes(api, {"ANY /": routes, "ANY /{proxy+}": routes})
        else:
            self._add_routes(api, dict(routes))
        api.auto_deploy = False
        api.deploy(stage, description="created by lab.rest_api_gateway")
        api.update_stage(stage, variables=stage_variables or {})
        return self._serve("rest", api, port, ServedRestApi)  # type: ignore[return-value]

    @property
    def apigateway(self) -> ApiGatewayAccount:
        """API Gateway's account-level parts: usage plans, API keys, the account throttle."""
        with self._lock:
            if self._apigateway is None:
                lab = self._lab
                self._apigateway = ApiGatewayAccount(
                    now=self.now,
                    account_id=lab.account_id,
                    existing_function=self._existing_function,
                    grant=self._grant,
                    function_arn=self._function_arn,
                    resource_policy=self._resource_policy,
                    iam=lambda: lab.aws.internal("iam"),
                    cognito=lambda: lab.aws.internal("cognito-idp"),
                    endpoint_url=lambda: str(lab.aws.url),
                )
            return self._apigateway

    def _function_arn(self, function: str) -> str | None:
        try:
            return str(self._lab.functions.get(function).arn)
        except errors.ResourceNotFoundException:
            return None

    def _resource_policy(self, function: str, qualifier: str) -> str | None:
        try:
            return str(self._lab.permissions.policy(function, qualifier)["Policy"])
        except errors.ResourceNotFoundException:
            return None

    # -- all of them ----------------------------------------------------------------------------
    def served(self) -> list[ServedDoor]:
        """Every door running now, function URLs included."""
        with self._lock:
            doors = list(self._doors.values())
        return doors + self.function_urls.doors()

    def close(self) -> None:
        """Stop every listener; requests in flight finish first."""
        with self._lock:
            doors = list(self._doors.values())
            self._doors.clear()
        for door in doors:
            door.close()
        self.function_urls.close()

    # -- helpers ------------------------------------------------------------------------------
    def _serve(
        self, kind: str, door: FrontDoor, port: int, served_class: type[ServedDoor]
    ) -> ServedDoor:
        with self._lock:
            previous = self._doors.pop((kind, door.name), None)
        if previous is not None:
            previous.close()
            port = port or previous.port  # a re-run notebook cell keeps its URL
        served = served_class(door, port)
        with self._lock:
            self._doors[(kind, door.name)] = served
        return served

    def _add_routes(self, api: HttpApi | RestApi, table: dict[str, str]) -> None:
        """Route each key to its function and let API Gateway invoke that function."""
        if not table:
            raise FrontDoorConfigError(f"API {api.name!r} needs at least one route")
        source = f"arn:aws:execute-api:{self._lab.region}:{self._lab.account_id}:{api.api_id}/*"
        for route, target in table.items():
            if isinstance(api, RestApi) and uses_stage_variables(target):
                method, _, resource = route.partition(" ")
                name, _, alias = target.partition(":")  # resolved per request, per stage
                api.add_route(method, resource, name, alias or None)
                continue
            function, qualifier = self._existing_function(target)
            if isinstance(api, HttpApi):
                api.add_route(route, function, qualifier)
            else:
                method, _, resource = route.partition(" ")
                if not resource:
                    raise FrontDoorConfigError(
                        f"a REST API route is 'METHOD /resource' (got {route!r})"
                    )
                api.add_route(method, resource, function, qualifier)
            self._grant(function, qualifier, "apigateway.amazonaws.com", source)

    def _existing_function(self, target: str) -> tuple[str, str | None]:
        """(name, qualifier or None) of a function that exists, from ``name`` or ``name:alias``."""
        if not isinstance(target, str) or not target:
            raise FrontDoorConfigError(f"expected a function name (got {target!r})")
        name, qualifier = split_qualifier(target)
        self._lab.service.get_function_configuration(name, qualifier)  # ResourceNotFoundException
        return name, None if qualifier in (None, LATEST) else qualifier

    def _grant(self, function: str, qualifier: str | None, principal: str, source_arn: str) -> None:
        """Add the invoke permission the console adds when it wires a service to a function."""
        config = self._lab.functions.get(function)
        sid = f"{principal.split('.')[0]}-{stable_id(source_arn, length=12)}"
        resource = config.arn + (f":{qualifier}" if qualifier else "")
        try:
            self._lab.permissions.add(
                config.name,
                qualifier or LATEST,
                {
                    "StatementId": sid,
                    "Action": "lambda:InvokeFunction",
                    "Principal": principal,
                    "SourceArn": source_arn,
                },  # fmt: skip
                resource,
            )
        except errors.ResourceConflictException:
            pass  # the same door was created before: its statement is already there


def _check_elb_name(what: str, name: Any) -> None:
    if not isinstance(name, str) or not _ELB_NAME.match(name) or name.startswith("internal-"):
        raise FrontDoorConfigError(
            f"{what} name must be 1-32 letters, digits or hyphens, not starting or ending with "
            f"a hyphen nor starting with 'internal-' (got {name!r})"
        )


def _check_open(lab: Lab) -> None:
    """A closed Lab runs nothing, so it must not start listeners nobody would stop."""
    if lab.closed:
        raise RuntimeError(f"{lab!r} is closed: create a new Lab() to serve HTTP doors")
