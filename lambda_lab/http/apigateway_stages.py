"""REST API deployments and stages: what a stage serves and the settings it adds.

A **deployment** is a frozen copy of the API's definition (resources, methods,
integrations, authorizers, models, gateway responses). A **stage** (``prod``, ``dev``) is a
named pointer to one deployment, with settings that need no redeployment: stage variables,
the response cache, throttling (a default for every method and per-method overrides) and a
canary. A canary sends a percentage of the stage's requests to another deployment, with
stage variables of its own, until it is promoted or removed.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.http.cache import CacheSettings, ResponseCache
from lambda_lab.http.gateway_responses import GatewayResponses
from lambda_lab.http.rest_methods import Method
from lambda_lab.http.routes import Router
from lambda_lab.http.throttling import Buckets, ThrottleSettings
from lambda_lab.http.validation import RequestValidator

_STAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]{1,64}\Z")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]{0,512}\Z")


@dataclass
class Definition:
    """Everything a deployment freezes."""

    router: Router
    methods: dict[str, Method] = field(default_factory=dict)  # route key -> method
    authorizers: dict[str, Any] = field(default_factory=dict)  # name -> authorizer
    models: dict[str, Any] = field(default_factory=dict)  # name -> JSON schema
    validators: dict[str, RequestValidator] = field(default_factory=dict)
    gateway_responses: GatewayResponses = field(default_factory=GatewayResponses)

    def frozen(self) -> Definition:
        return copy.deepcopy(self)


@dataclass
class Deployment:
    id: str
    definition: Definition
    description: str = ""


@dataclass
class MethodCacheSetting:
    """A method's override of the stage cache (``cachingEnabled``, ``cacheTtlInSeconds``)."""

    enabled: bool
    ttl_s: int | None = None


@dataclass
class Canary:
    """AWS's ``CanarySettings``: ``percentTraffic`` to ``deployment``, with its own
    ``stageVariableOverrides``."""

    percent_traffic: float
    deployment: Deployment
    stage_variable_overrides: dict[str, str] = field(default_factory=dict)


class Stage:
    """One stage of a REST API; its caches and buckets live as long as it does."""

    def __init__(
        self,
        name: str,
        deployment: Deployment,
        now: Callable[[], float],
        variables: dict[str, str] | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        check_stage_name(name)
        self.name = name
        self.deployment = deployment
        self.variables: dict[str, str] = {}
        self.set_variables(variables or {})
        self.cache_settings = CacheSettings()
        self.method_cache: dict[str, MethodCacheSetting] = {}  # route key -> override
        self.throttle: ThrottleSettings | None = None  # the stage's default for every method
        self.method_throttle: dict[str, ThrottleSettings] = {}  # route key -> override
        self.canary: Canary | None = None
        self.cache = ResponseCache(now)
        self.buckets = Buckets(now)  # per-method throttles
        self.authorizer_cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._random = random.Random(seed)

    def set_variables(self, variables: dict[str, str]) -> None:
        for name, value in variables.items():
            if not isinstance(name, str) or not _VARIABLE_NAME.match(name):
                raise ValueError(
                    f"stage variable names are 1-64 letters, digits or underscores (got {name!r})"
                )
            if not isinstance(value, str) or not _VARIABLE_VALUE.match(value):
                raise ValueError(
                    "stage variable values are up to 512 characters from "
                    f"A-Z a-z 0-9 - . _ ~ : / ? # & = , (got {value!r})"
                )
        self.variables.update(variables)

    def pick(self) -> tuple[Deployment, dict[str, str], bool]:
        """The deployment and stage variables for the next request, and whether it is a
        canary request (chosen at random with the canary's share)."""
        canary = self.canary
        if canary is not None and self._random.uniform(0, 100) < canary.percent_traffic:
            return canary.deployment, {**self.variables, **canary.stage_variable_overrides}, True
        return self.deployment, dict(self.variables), False

    def caching(self, route_key: str, method: str) -> tuple[bool, int]:
        """Whether responses of this method are cached, and for how long."""
        settings = self.cache_settings
        override = self.method_cache.get(route_key)
        if not settings.enabled:
            return False, 0
        if override is not None:
            ttl = settings.ttl_s if override.ttl_s is None else override.ttl_s
            return override.enabled and ttl > 0, ttl
        return settings.caches(method), settings.ttl_s

    def method_limit(self, route_key: str) -> ThrottleSettings | None:
        return self.method_throttle.get(route_key, self.throttle)

    # -- settings that need no redeployment ------------------------------------------------
    def update(
        self,
        *,
        variables: dict[str, str] | None = None,
        cache: CacheSettings | dict[str, Any] | None = None,
        throttle: ThrottleSettings | dict[str, float] | None = None,
        method_throttle: dict[str, Any] | None = None,
        method_cache: dict[str, dict[str, Any]] | None = None,
    ) -> Stage:
        """UpdateStage (``RestApi.update_stage`` says what each setting takes)."""
        if variables is not None:
            self.set_variables(variables)
        if cache is not None:
            self.cache_settings = (
                cache if isinstance(cache, CacheSettings) else CacheSettings(**cache)
            )
        if throttle is not None:
            self.throttle = ThrottleSettings.parse(throttle)
        for route_key, value in (method_throttle or {}).items():
            self.method_throttle[route_key] = ThrottleSettings.parse(value)  # type: ignore[assignment]
        for route_key, value in (method_cache or {}).items():
            self.method_cache[route_key] = MethodCacheSetting(**value)
        return self

    def start_canary(
        self, percent: float, deployment: Deployment, variables: dict[str, str] | None
    ) -> None:
        """Send ``percent`` of the requests to ``deployment``, with its own variable overrides."""
        if not 0 <= percent <= 100:
            raise ValueError(f"canary_percent must be 0-100 (got {percent!r})")
        self.canary = Canary(percent, deployment, dict(variables or {}))

    def promote_canary(self) -> None:
        """The canary's deployment and variable overrides become the stage's own."""
        if self.canary is None:
            raise ValueError(f"stage {self.name!r} has no canary")
        self.deployment = self.canary.deployment
        self.set_variables(self.canary.stage_variable_overrides)
        self.canary = None


def check_stage_name(name: Any) -> None:
    if not isinstance(name, str) or not _STAGE_NAME.match(name):
        raise ValueError(
            f"stage names are 1-128 letters, digits, hyphens or underscores (got {name!r})"
        )
