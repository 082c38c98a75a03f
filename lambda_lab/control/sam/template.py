"""A SAM template, read and checked: parameters, conditions, Globals and resources in order.

:func:`parse` takes the loaded document (long-form intrinsics, see :mod:`.yaml_loader`) and
the parameter overrides, and returns a :class:`Template` whose resources have their Globals
merged in and are sorted so that every resource comes after the ones it refers to. Nothing
is deployed here; the deployer walks ``template.resources`` in that order.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from lambda_lab.control.sam.intrinsics import Resolver
from lambda_lab.control.sam.yaml_loader import TemplateError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
# Globals sections SAM knows -> the resource type each applies to.
GLOBALS_FOR = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}
_SECTIONS = ("AWSTemplateFormatVersion", "Transform", "Description", "Metadata", "Parameters",
             "Mappings", "Conditions", "Globals", "Resources", "Outputs", "Rules")  # fmt: skip
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+\Z")
_PARAMETER_TYPES = ("String", "Number", "List<Number>", "CommaDelimitedList")


@dataclass
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    depends_on: set[str] = field(default_factory=set)
    condition: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # the resource's Metadata (BuildMethod)
    # DeletionPolicy / UpdateReplacePolicy, as written
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Template:
    description: str
    parameters: dict[str, Any]  # name -> the value in force (override or default)
    conditions: dict[str, bool]
    mappings: dict[str, Any]
    resources: list[Resource]  # in an order where every reference points backwards
    outputs: dict[str, Any]
    notes: list[str]  # one line per part of the template the Lab leaves out

    def resource(self, logical_id: str) -> Resource:
        for resource in self.resources:
            if resource.logical_id == logical_id:
                return resource
        raise TemplateError(f"no resource {logical_id!r} in the template")


def parse(
    document: dict[str, Any], overrides: dict[str, Any] | None = None, *, pseudo: dict[str, Any]
) -> Template:
    """Check the document's shape and return the template ready to deploy."""
    notes: list[str] = []
    for section in document:
        if section not in _SECTIONS:
            raise TemplateError(f"unknown top-level section {section!r}")
    if "Rules" in document:
        notes.append("Rules: not checked by the Lab")
    _check_transform(document.get("Transform"), notes)
    resources_doc = document.get("Resources")
    if not isinstance(resources_doc, dict) or not resources_doc:
        raise TemplateError("a template needs a Resources section with at least one resource")
    parameters = _parameters(document.get("Parameters") or {}, overrides or {}, notes)
    mappings = document.get("Mappings") or {}
    conditions = _conditions(document.get("Conditions") or {}, parameters, pseudo, mappings)
    globals_doc = document.get("Globals") or {}
    if not isinstance(globals_doc, dict):
        raise TemplateError("Globals must be a mapping of sections (Function, Api, ...)")
    for section in globals_doc:
        if section not in GLOBALS_FOR:
            notes.append(f"Globals.{section}: not a Globals section the Lab applies")
    resources = []
    for logical_id, body in resources_doc.items():
        resource = _resource(logical_id, body, globals_doc)
        if resource.condition is not None:
            if resource.condition not in conditions:
                raise TemplateError(
                    f"Resources.{logical_id}: unknown condition {resource.condition!r}"
                )
            if not conditions[resource.condition]:
                continue  # the condition is false: the resource is not created
        resources.append(resource)
    return Template(
        description=str(document.get("Description") or ""),
        parameters=parameters,
        conditions=conditions,
        mappings=mappings,
        resources=_in_order(resources, set(parameters)),
        outputs=document.get("Outputs") or {},
        notes=notes,
    )


def _check_transform(transform: Any, notes: list[str]) -> None:
    names = transform if isinstance(transform, list) else [transform] if transform else []
    for name in names:
        if name != SAM_TRANSFORM:
            notes.append(f"Transform {name}: only {SAM_TRANSFORM} is applied")


# -- parameters -------------------------------------------------------------------------------
def _parameters(
    declared: dict[str, Any], overrides: dict[str, Any], notes: list[str]
) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(
            f"Parameters: {unknown} do not exist in the template (declared: {sorted(declared)})"
        )
    values: dict[str, Any] = {}
    missing = []
    for name, spec in declared.items():
        if not isinstance(spec, dict) or "Type" not in spec:
            raise TemplateError(f"Parameters.{name}: needs a Type")
        kind = str(spec["Type"])
        if kind.startswith("AWS::SSM::Parameter"):
            notes.append(f"Parameters.{name}: SSM parameter types read their Default, not SSM")
        elif kind not in _PARAMETER_TYPES and not kind.startswith(("AWS::", "List<AWS::")):
            raise TemplateError(f"Parameters.{name}: unknown Type {kind!r}")
        if name in overrides:
            value = overrides[name]
        elif "Default" in spec:
            value = spec["Default"]
        else:
            missing.append(name)
            continue
        values[name] = _checked_parameter(name, spec, kind, value)
    if missing:
        raise TemplateError(f"Parameters: {missing} must have values")
    return values


def _checked_parameter(name: str, spec: dict[str, Any], kind: str, value: Any) -> Any:
    text = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    allowed = spec.get("AllowedValues")
    if allowed is not None and text not in [str(a) for a in allowed]:
        raise TemplateError(
            f"Parameter '{name}' must be one of AllowedValues {allowed} (got {text!r})"
        )
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), text):
        raise TemplateError(f"Parameter '{name}' must match pattern {pattern} (got {text!r})")
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            raise TemplateError(f"Parameter '{name}' must be a number (got {text!r})") from None
        low, high = spec.get("MinValue"), spec.get("MaxValue")
        if (low is not None and number < float(low)) or (high is not None and number > float(high)):
            raise TemplateError(f"Parameter '{name}' must be between {low} and {high} (got {text})")
        return text  # CloudFormation hands numbers to resources as strings
    if kind in ("CommaDelimitedList", "List<Number>") or kind.startswith("List<"):
        return [part.strip() for part in text.split(",")] if text else []
    return text


# -- conditions -------------------------------------------------------------------------------
def _conditions(
    declared: dict[str, Any],
    parameters: dict[str, Any],
    pseudo: dict[str, Any],
    mappings: dict[str, Any],
) -> dict[str, bool]:
    results: dict[str, bool] = {}

    def no_resources(name: str, attribute: str | None) -> Any:
        raise TemplateError(f"Conditions: cannot refer to resource {name!r}")

    class _Lazy(dict[str, bool]):
        """Conditions that refer to other conditions are evaluated on first need."""

        def __contains__(self, name: object) -> bool:
            return name in declared

        def __getitem__(self, name: str) -> bool:
            if name not in results:
                if name in evaluating:
                    raise TemplateError(f"Conditions: {name!r} refers to itself")
                evaluating.add(name)
                results[name] = bool(resolver.resolve(declared[name], f"Conditions.{name}"))
            return results[name]

    evaluating: set[str] = set()
    resolver = Resolver(parameters, pseudo, no_resources, conditions=_Lazy(), mappings=mappings)
    for name in declared:
        resolver.conditions[name]
    return results


# -- resources and Globals --------------------------------------------------------------------
def _resource(logical_id: str, body: Any, globals_doc: dict[str, Any]) -> Resource:
    where = f"Resources.{logical_id}"
    if not _LOGICAL_ID.match(logical_id):
        raise TemplateError(f"{where}: logical IDs are letters and digits only")
    if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
        raise TemplateError(f"{where}: needs a Type")
    properties = body.get("Properties") or {}
    if not isinstance(properties, dict):
        raise TemplateError(f"{where}.Properties: must be a mapping")
    kind = body["Type"]
    for section, applies_to in GLOBALS_FOR.items():
        if applies_to == kind and isinstance(globals_doc.get(section), dict):
            properties = merge_globals(globals_doc[section], properties)
    depends = body.get("DependsOn") or []
    depends = [depends] if isinstance(depends, str) else list(depends)
    metadata = body["Metadata"] if isinstance(body.get("Metadata"), dict) else {}
    attributes = {k: body[k] for k in ("DeletionPolicy", "UpdateReplacePolicy") if k in body}
    return Resource(logical_id, kind, properties, set(depends), body.get("Condition"), metadata,
                    attributes)  # fmt: skip


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's rule: maps merge (the resource wins on a clash), lists add up (Globals first),
    any other value in the resource replaces the global one."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        merged = copy.deepcopy(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(merged[key], value) if key in merged else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*copy.deepcopy(global_value), *local_value]
    return local_value


def references(value: Any) -> set[str]:
    """Logical IDs (and parameter names) a value refers to through Ref, GetAtt and Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument.split(".", 1)[0])
            elif key == "Fn::GetAtt":
                parts = argument.split(".", 1) if isinstance(argument, str) else argument
                if isinstance(parts, list) and parts and isinstance(parts[0], str):
                    found.add(parts[0])
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                if isinstance(text, str):
                    for name in re.findall(r"\$\{([^!}][^}]*)\}", text):
                        found.add(name.strip().split(".", 1)[0])
                if isinstance(argument, list) and len(argument) > 1:
                    found |= references(argument[1])
            else:
                found |= references(argument)
    return found


def deferred_out(resource: Resource) -> dict[str, Any]:
    """A resource's properties without those evaluated after every resource exists: a
    function's DeploymentPreference names alarms and hooks that themselves name the function
    (SAM puts them on a separate CodeDeploy deployment group for that reason)."""
    if resource.type == "AWS::Serverless::Function":
        return {k: v for k, v in resource.properties.items() if k != "DeploymentPreference"}
    return resource.properties


def _in_order(resources: list[Resource], parameter_names: set[str]) -> list[Resource]:
    """Resources sorted so that each comes after everything it refers to (a stable sort)."""
    by_id = {r.logical_id: r for r in resources}
    needs: dict[str, set[str]] = {}
    for resource in resources:
        wanted = references(deferred_out(resource)) | resource.depends_on
        needs[resource.logical_id] = {
            name for name in wanted if name in by_id and name != resource.logical_id
        }
        for name in resource.depends_on:
            if name not in by_id:
                raise TemplateError(
                    f"Resources.{resource.logical_id}.DependsOn: no resource {name!r}"
                )
    ordered: list[Resource] = []
    placed: set[str] = set()
    while len(ordered) < len(resources):
        ready = [
            r for r in resources if r.logical_id not in placed and needs[r.logical_id] <= placed
        ]
        if not ready:
            stuck = sorted(set(by_id) - placed)
            raise TemplateError(f"circular dependency between resources {stuck}")
        for resource in ready:
            ordered.append(resource)
            placed.add(resource.logical_id)
    return ordered
