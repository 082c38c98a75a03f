"""API Gateway APIs of a SAM application: the implicit ones its events make and explicit
``AWS::Serverless::Api`` / ``AWS::Serverless::HttpApi`` resources.

Functions add routes while they deploy (an ``Api`` event adds ``GET /hello``); once every
resource exists, :func:`open_apis` opens one Lab front door per API with all its routes and
lists the endpoints. SAM names the implicit APIs ``ServerlessRestApi`` (stage ``Prod``) and
``ServerlessHttpApi`` (stage ``$default``); templates refer to them by those logical IDs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lambda_lab.control.sam.context import DeployContext, Endpoint, Physical
from lambda_lab.control.sam.template import Resource
from lambda_lab.control.sam.yaml_loader import TemplateError

IMPLICIT_REST, IMPLICIT_HTTP = "ServerlessRestApi", "ServerlessHttpApi"
_AUTH = "authorizers are taught in lesson 10; the Lab's SAM deploy leaves them out"


@dataclass
class ApiPlan:
    logical_id: str
    kind: str  # "rest" | "http"
    name: str  # the door's name
    stage: str
    routes: dict[str, str] = field(default_factory=dict)  # "GET /hello" -> "function[:alias]"
    labels: dict[str, str] = field(default_factory=dict)  # route -> function logical id


def _plans(ctx: DeployContext) -> dict[str, ApiPlan]:
    plans: dict[str, ApiPlan] = ctx.extras.setdefault("apis", {})
    return plans


def make_api(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    """AWS::Serverless::Api (REST) or AWS::Serverless::HttpApi: routes come from events."""
    where = f"Resources.{resource.logical_id}"
    rest = resource.type == "AWS::Serverless::Api"
    ignored = {"Auth": _AUTH, "Cors": "CORS is taught in lesson 10; the Lab's SAM deploy leaves it out",
               "DefinitionBody": "OpenAPI definitions are not read: routes come from function events",
               "DefinitionUri": "OpenAPI definitions are not read: routes come from function events",
               "Domain": "custom domains are not part of the Lab",
               "AccessLogSetting": "access logs are not written", "MethodSettings":
               "stage method settings (throttling, caching) are not applied"}  # fmt: skip
    ctx.unsupported(where, props, ["StageName", "Name", "Description", "Tags"], ignored)
    if rest and "StageName" not in props:
        raise TemplateError(f"{where}: an AWS::Serverless::Api needs a StageName")
    stage = str(props.get("StageName", "Prod" if rest else "$default"))
    name = str(props.get("Name") or f"{ctx.stack_name}-{resource.logical_id}")
    plan = ApiPlan(resource.logical_id, "rest" if rest else "http", name, stage)
    _plans(ctx)[name] = plan
    return Physical(resource.logical_id, resource.type, name, {"RootResourceId": "root"},
                    {"door_name": name})  # fmt: skip


def add_route(
    ctx: DeployContext,
    kind: str,
    api_ref: str | None,
    route: str,
    target: str,
    function_logical_id: str,
    where: str,
) -> None:
    """Route ``route`` of the API ``api_ref`` names (None: the implicit API) to ``target``."""
    plans = _plans(ctx)
    if api_ref is None:
        logical = IMPLICIT_REST if kind == "rest" else IMPLICIT_HTTP
        name = ctx.stack_name if kind == "rest" else f"{ctx.stack_name}-http"
        if name not in plans:
            plans[name] = ApiPlan(logical, kind, name, "Prod" if kind == "rest" else "$default")
            ctx.made[logical] = Physical(logical, "AWS::Serverless::Api" if kind == "rest"
                                         else "AWS::Serverless::HttpApi", name,
                                         {"RootResourceId": "root"})  # fmt: skip
        api_ref = name
    plan = plans.get(api_ref)
    if plan is None or plan.kind != kind:
        wanted = "AWS::Serverless::Api" if kind == "rest" else "AWS::Serverless::HttpApi"
        raise TemplateError(f"{where}: refers to an API that is not an {wanted} of this template")
    if route in plan.routes and plan.routes[route] != target:
        raise TemplateError(f"{where}: route {route!r} of {plan.logical_id} is already taken")
    plan.routes[route] = target
    plan.labels[route] = function_logical_id


def open_apis(ctx: DeployContext) -> None:
    """One front door per API, with every route its functions asked for."""
    for plan in _plans(ctx).values():
        physical = ctx.made.get(plan.logical_id)
        if not plan.routes:
            ctx.note(f"Resources.{plan.logical_id}: no function event routes to it, not served")
            continue
        if plan.kind == "rest":
            served = ctx.services.rest_api(plan.name, dict(plan.routes), stage=plan.stage)
        else:
            if plan.stage != "$default":
                ctx.note(f"Resources.{plan.logical_id}.StageName: the Lab serves HTTP APIs on "
                         "their $default stage")  # fmt: skip
            served = ctx.services.http_api(plan.name, dict(plan.routes))
        api_id = getattr(served.door, "api_id", plan.name)
        if physical is not None:
            physical.ref = api_id
            physical.details["served"] = served
        region = ctx.services.region
        stage_path = "" if plan.kind == "http" else f"/{plan.stage}"
        for route, function in plan.labels.items():
            method, _, path = route.partition(" ")
            path = path or "/"
            local = served.local_url.rstrip("/") + path if route != "$default" else served.local_url
            shown = "/" if route == "$default" else path
            aws = f"https://{api_id}.execute-api.{region}.amazonaws.com{stage_path}{shown}"
            ctx.endpoints.append(Endpoint(f"{route} -> {function} ({plan.logical_id})", local, aws))
