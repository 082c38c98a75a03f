"""Deploy a SAM template into the Lab: the part of ``sam deploy`` that matters for learning.

    stack = deploy(services, "template.yaml", stack_name="hello", parameters={"Stage": "dev"})
    print(stack.report())

Resources are made in dependency order through the Lab's AWS-shaped operations, then the
APIs open and bucket notifications are written, then the Outputs are evaluated. Whatever
the Lab leaves out (an unsupported resource type, a property it does not apply) becomes one
line in ``stack.notes``; a template that cannot work at all raises :class:`TemplateError`
naming the resource and property. Deploying the same stack name again updates what it made:
with ``AutoPublishAlias`` and a ``DeploymentPreference`` that starts a traffic shift.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from lambda_lab.control.sam import apis, functions, layers, resources, state_machines
from lambda_lab.control.sam.context import DeployContext, Physical, SamServices
from lambda_lab.control.sam.intrinsics import Resolver
from lambda_lab.control.sam.stack import Stack
from lambda_lab.control.sam.template import deferred_out, parse
from lambda_lab.control.sam.yaml_loader import TemplateError, load, loads

_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}\Z")
Maker = Callable[[DeployContext, Any, dict[str, Any]], Physical | None]
MAKERS: dict[str, Maker] = {
    **resources.MAKERS,
    "AWS::Serverless::Function": functions.make_function,
    "AWS::Serverless::LayerVersion": layers.make_serverless_layer,
    "AWS::Lambda::LayerVersion": layers.make_plain_layer,
    "AWS::Serverless::Api": apis.make_api,
    "AWS::Serverless::HttpApi": apis.make_api,
    "AWS::Serverless::StateMachine": state_machines.make_state_machine,
}


class Stacks:
    """The stacks deployed into one Lab, by name; a redeploy updates in place."""

    def __init__(self, services: SamServices) -> None:
        self._services = services
        self._stacks: dict[str, Stack] = {}
        self._lock = threading.Lock()

    def deploy(
        self,
        template: str | os.PathLike[str] | dict[str, Any],
        stack_name: str | None = None,
        parameters: dict[str, Any] | None = None,
        base_dir: str | None = None,
    ) -> Stack:
        """``template`` is a file path, YAML/JSON text or an already-loaded dict."""
        document, folder, default_name = _read(template)
        name = stack_name or default_name
        if not _STACK_NAME.match(name):
            raise TemplateError(
                f"stack name must start with a letter and hold only letters, digits and "
                f"hyphens, at most 128 characters (got {name!r})"
            )
        with self._lock:  # one deployment of a stack at a time
            previous = self._stacks.get(name)
            stack = deploy_document(
                self._services, document, name, parameters or {}, base_dir or folder,
                previous.resources if previous else {},
            )  # fmt: skip
            self._stacks[name] = stack
        return stack

    def get(self, name: str) -> Stack:
        with self._lock:
            found = self._stacks.get(name)
        if found is None:
            raise KeyError(f"no stack named {name!r}; deployed: {sorted(self._stacks)}")
        return found

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._stacks)


def _read(template: str | os.PathLike[str] | dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """(document, the folder paths are relative to, a default stack name)."""
    if isinstance(template, dict):
        return template, os.getcwd(), "lambda-lab-stack"
    text = os.fspath(template)
    if "\n" not in text and (os.path.exists(text) or text.endswith((".yaml", ".yml", ".json"))):
        path = os.path.abspath(text)
        folder = os.path.dirname(path)
        default = re.sub(r"[^A-Za-z0-9-]", "-", os.path.basename(folder)).strip("-") or "stack"
        if not default[0].isalpha():
            default = f"stack-{default}"
        return load(path), folder, default
    return loads(text), os.getcwd(), "lambda-lab-stack"


def deploy_document(
    services: SamServices,
    document: dict[str, Any],
    stack_name: str,
    parameters: dict[str, Any],
    base_dir: str,
    previous: dict[str, Physical],
) -> Stack:
    pseudo = {
        "AWS::Region": services.region, "AWS::AccountId": services.account_id,
        "AWS::StackName": stack_name, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackId": f"arn:aws:cloudformation:{services.region}:{services.account_id}:stack/{stack_name}/lambda-lab",
        "AWS::NotificationARNs": [],
    }  # fmt: skip
    template = parse(document, parameters, pseudo=pseudo)
    ctx = DeployContext(services, stack_name, base_dir, previous)
    ctx.notes.extend(template.notes)
    ctx.resolver = Resolver(template.parameters, pseudo, ctx.lookup, conditions=template.conditions,
                            mappings=template.mappings, region=services.region)  # fmt: skip
    for resource in template.resources:
        maker = MAKERS.get(resource.type)
        if maker is None:
            ctx.note(
                f"Resources.{resource.logical_id} ({resource.type}): not supported by the Lab, not created"
            )
            ctx.skipped.add(resource.logical_id)
            continue
        where = f"Resources.{resource.logical_id}"
        properties = ctx.resolve(deferred_out(resource), f"{where}.Properties")
        try:
            physical = maker(ctx, resource, properties)
        except ClientError as exc:
            error = exc.response["Error"]
            raise TemplateError(
                f"{where} ({resource.type}): {error.get('Code')}: {error.get('Message')}"
            ) from None
        except TemplateError as exc:
            raise TemplateError(
                f"{exc}" if str(exc).startswith("Resources.") else f"{where}: {exc}"
            ) from None
        if physical is not None:
            ctx.made[resource.logical_id] = physical
        else:
            ctx.skipped.add(resource.logical_id)
    try:
        for step in ctx.after:
            step()
        apis.open_apis(ctx)
    except ClientError as exc:
        error = exc.response["Error"]
        raise TemplateError(f"{error.get('Code')}: {error.get('Message')}") from None
    outputs = {}
    for key, spec in template.outputs.items():
        if isinstance(spec, dict) and "Value" in spec:
            condition = spec.get("Condition")
            if condition is not None and not template.conditions.get(condition, False):
                continue
            try:
                outputs[key] = ctx.resolve(spec["Value"], f"Outputs.{key}")
            except TemplateError as exc:
                ctx.note(f"Outputs.{key}: {exc}")
    return Stack(stack_name, dict(ctx.made), ctx.endpoints, outputs, ctx.notes, ctx.deployments,
                 template.description)  # fmt: skip
