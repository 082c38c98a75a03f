"""``AWS::Serverless::Function``: code, configuration, alias, deployment preference, events.

What SAM generates from one function resource, done with Lambda's own operations:

1. CreateFunction (or, on a redeploy, UpdateFunctionCode + UpdateFunctionConfiguration),
   with the code of ``CodeUri`` (a folder or a .zip next to the template) or ``InlineCode``;
2. with ``AutoPublishAlias``: PublishVersion and an alias on it. When the alias already
   points to an older version and a ``DeploymentPreference`` is set, the alias is not moved:
   a CodeDeploy deployment shifts its traffic to the new version instead (canary, linear or
   all at once), watching the alarms and running the hooks;
3. reserved and provisioned concurrency, the async invoke configuration, a function URL;
4. the events (:mod:`.events`), aimed at the alias when there is one.
"""

from __future__ import annotations

import os
from typing import Any

from lambda_lab.control import packaging
from lambda_lab.control.sam.context import DeployContext, Endpoint, Physical
from lambda_lab.control.sam.events import FunctionTarget, wire_events
from lambda_lab.control.sam.template import Resource
from lambda_lab.control.sam.yaml_loader import TemplateError

SUPPORTED = ("CodeUri", "InlineCode", "Handler", "Runtime", "MemorySize", "Timeout",
             "Environment", "Layers", "AutoPublishAlias", "DeploymentPreference", "Events",
             "FunctionName", "Description", "Architectures", "EphemeralStorage", "Tracing",
             "ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig", "DeadLetterQueue",
             "EventInvokeConfig", "FunctionUrlConfig", "LoggingConfig", "Role", "Tags",
             "PackageType", "AutoPublishCodeSha256", "VersionDescription",
             "AutoPublishAliasAllProperties")  # fmt: skip
IGNORED = {
    "Policies": "IAM is not enforced by the Lab (permissions are assumed granted)",
    "PermissionsBoundary": "IAM is not enforced by the Lab",
    "RolePath": "IAM is not enforced by the Lab",
    "AssumeRolePolicyDocument": "IAM is not enforced by the Lab",
    "VpcConfig": "the Lab has no VPCs; the function runs on this machine's network",
    "KmsKeyArn": "environment variables are not encrypted in the Lab",
    "FileSystemConfigs": "EFS is not part of the Lab",
    "SnapStart": "the Lab runs INIT for every new environment (SnapStart: lesson 14)",
    "CodeSigningConfigArn": "code signing is not part of the Lab",
    "RuntimeManagementConfig": "the Lab runs this machine's Python",
    "ImageUri": "container images cannot run in the Lab",
    "ImageConfig": "container images cannot run in the Lab",
    "Connectors": "SAM connectors (IAM) are not enforced",
}


def make_function(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical | None:
    where = f"Resources.{resource.logical_id}"
    if props.get("PackageType") == "Image":
        ctx.note(f"{where} (PackageType Image): container images cannot run in the Lab, "
                 "not deployed; package it as a ZIP to run it here")  # fmt: skip
        return None
    ctx.unsupported(where, props, SUPPORTED, IGNORED)
    client = ctx.services.lambda_client
    name = str(props.get("FunctionName") or ctx.physical_name(resource.logical_id))
    code = _code(ctx, props, where)
    settings = _settings(ctx, resource, props, where)
    settle = ctx.services.settle or (lambda function_name: None)
    if _exists(client, name):
        client.update_function_code(FunctionName=name, ZipFile=code)
        settle(name)  # one update at a time, as AWS allows
        config = client.update_function_configuration(FunctionName=name, **settings)
    else:
        config = client.create_function(FunctionName=name, Code={"ZipFile": code}, **settings)
    settle(name)  # CloudFormation waits for Active (or Successful) before it goes on
    physical = Physical(resource.logical_id, resource.type, name, {"Arn": config["FunctionArn"]})
    alias = props.get("AutoPublishAlias")
    if alias:
        _publish(ctx, resource, props, name, str(alias), physical, where)
    _concurrency_and_configs(ctx, props, name, alias, where)
    target = FunctionTarget(resource.logical_id, name, config["FunctionArn"], alias)
    previous = ctx.previous.get(resource.logical_id)
    physical.details["mappings"] = wire_events(
        ctx,
        target,
        props.get("Events") or {},
        previous.details.get("mappings", {}) if previous else {},
    )
    return physical


def _exists(client: Any, name: str) -> bool:
    try:
        client.get_function(FunctionName=name)
        return True
    except client.exceptions.ResourceNotFoundException:
        return False


def _code(ctx: DeployContext, props: dict[str, Any], where: str) -> bytes:
    if "InlineCode" in props:
        # CloudFormation stores inline Python code as index.py: Handler is index.<function>
        return packaging.package(str(props["InlineCode"]), filename="index.py")
    uri = props.get("CodeUri")
    if uri is None:
        raise TemplateError(f"{where}: needs CodeUri (a folder next to the template) or InlineCode")
    if isinstance(uri, dict) or str(uri).startswith("s3://"):
        raise TemplateError(
            f"{where}.CodeUri: {uri!r} is in S3; the Lab deploys code from your disk "
            "(point CodeUri at the function's folder, as `sam build` reads it)"
        )
    path = ctx.path(str(uri))
    if os.path.isdir(path):
        return packaging.package(path)
    if os.path.isfile(path) and path.endswith(".zip"):
        with open(path, "rb") as handle:
            return handle.read()
    if os.path.isfile(path):
        return packaging.package(path)
    raise TemplateError(f"{where}.CodeUri: no folder or file {path!r}")


def _settings(
    ctx: DeployContext, resource: Resource, props: dict[str, Any], where: str
) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "Role": props.get("Role")
        or ctx.arn("iam", f"role/{ctx.physical_name(resource.logical_id + 'Role')}", region=False),
    }
    for key in ("Handler", "Runtime", "MemorySize", "Timeout", "Description", "Architectures",
                "LoggingConfig"):  # fmt: skip
        if key in props:
            settings[key] = _number(props[key]) if key in ("MemorySize", "Timeout") else props[key]
    if "Handler" not in settings or "Runtime" not in settings:
        raise TemplateError(
            f"{where}: a ZIP function needs Handler and Runtime (in Globals or here)"
        )
    if "Environment" in props:
        variables = (props["Environment"] or {}).get("Variables") or {}
        settings["Environment"] = {"Variables": {str(k): _text(v) for k, v in variables.items()}}
    if "EphemeralStorage" in props:
        settings["EphemeralStorage"] = {"Size": _number(props["EphemeralStorage"].get("Size", 512))}
    if "Tracing" in props:
        settings["TracingConfig"] = {
            "Mode": "Active" if props["Tracing"] == "Active" else "PassThrough"
        }
    if "DeadLetterQueue" in props:
        settings["DeadLetterConfig"] = {"TargetArn": props["DeadLetterQueue"].get("TargetArn")}
    if "Layers" in props:  # version ARNs (a LayerVersion's !Ref), in the order they apply
        layers = props["Layers"] or []
        if not isinstance(layers, list):
            raise TemplateError(f"{where}.Layers: must be a list of layer version ARNs")
        settings["Layers"] = [str(arn) for arn in layers]
    return settings


def _publish(
    ctx: DeployContext,
    resource: Resource,
    props: dict[str, Any],
    name: str,
    alias: str,
    physical: Physical,
    where: str,
) -> None:
    client = ctx.services.lambda_client
    published = client.publish_version(
        FunctionName=name, Description=str(props.get("VersionDescription", ""))
    )
    version = published["Version"]
    physical.attributes["Version"] = published["FunctionArn"]
    physical.attributes["Alias"] = f"{published['FunctionArn'].rsplit(':', 1)[0]}:{alias}"
    physical.details.update(alias=alias, version=version)
    try:
        current = client.get_alias(FunctionName=name, Name=alias)
        physical.details["alias_version"] = current["FunctionVersion"]
    except client.exceptions.ResourceNotFoundException:
        physical.details["alias_version"] = version
        client.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
        return
    if current["FunctionVersion"] == version:
        return  # nothing changed: PublishVersion gave back the version the alias has
    if "DeploymentPreference" not in resource.properties:
        physical.details["alias_version"] = version
        client.update_alias(FunctionName=name, Name=alias, FunctionVersion=version,
                            RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip
        return
    # The preference names alarms and hooks made later: start the shift once all exist.
    ctx.after.append(lambda: _shift_traffic(ctx, resource, name, alias, version, where))


def _shift_traffic(ctx: DeployContext, resource: Resource, name: str, alias: str, version: str,
                   where: str) -> None:  # fmt: skip
    client = ctx.services.lambda_client
    preference = ctx.resolve(
        resource.properties["DeploymentPreference"], f"{where}.DeploymentPreference"
    )
    if not isinstance(preference, dict) or str(preference.get("Enabled", True)).lower() == "false":
        ctx.made[resource.logical_id].details["alias_version"] = version
        client.update_alias(FunctionName=name, Name=alias, FunctionVersion=version,
                            RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip
        return
    deployments = ctx.services.deployments
    if deployments is None:
        raise TemplateError(f"{where}.DeploymentPreference: this deployment has no CodeDeploy")
    ctx.unsupported(f"{where}.DeploymentPreference", preference,
                    ["Type", "Alarms", "Hooks", "Enabled", "Role", "PassthroughCondition"],
                    {"TriggerConfigurations": "CodeDeploy triggers (SNS notices) are left out"})  # fmt: skip
    hooks = preference.get("Hooks") or {}
    for hook in hooks:
        if hook not in ("PreTraffic", "PostTraffic"):
            ctx.note(
                f"{where}.DeploymentPreference.Hooks.{hook}: only PreTraffic and PostTraffic exist"
            )
    try:
        deployment = deployments.start(
            name, alias, version, str(preference.get("Type", "AllAtOnce")),
            alarms=[str(a) for a in preference.get("Alarms") or []],
            pre_traffic=hooks.get("PreTraffic"), post_traffic=hooks.get("PostTraffic"),
            group=f"{ctx.stack_name}-{resource.logical_id}DeploymentGroup",
        )  # fmt: skip
    except (KeyError, ValueError) as exc:
        raise TemplateError(f"{where}.DeploymentPreference: {exc}") from None
    ctx.deployments.append(deployment)
    ctx.made[resource.logical_id].details["deployment"] = deployment


def _concurrency_and_configs(
    ctx: DeployContext, props: dict[str, Any], name: str, alias: Any, where: str
) -> None:
    client = ctx.services.lambda_client
    if "ReservedConcurrentExecutions" in props:
        client.put_function_concurrency(
            FunctionName=name,
            ReservedConcurrentExecutions=_number(props["ReservedConcurrentExecutions"]),
        )
    if "ProvisionedConcurrencyConfig" in props:
        if not alias:
            raise TemplateError(f"{where}.ProvisionedConcurrencyConfig: needs AutoPublishAlias")
        amount = props["ProvisionedConcurrencyConfig"].get("ProvisionedConcurrentExecutions")
        client.put_provisioned_concurrency_config(
            FunctionName=name, Qualifier=str(alias), ProvisionedConcurrentExecutions=_number(amount)
        )
    if "EventInvokeConfig" in props:
        spec = props["EventInvokeConfig"]
        params: dict[str, Any] = {k: _number(spec[k]) for k in ("MaximumRetryAttempts",
                                  "MaximumEventAgeInSeconds") if k in spec}  # fmt: skip
        destinations = {
            side: {"Destination": spec["DestinationConfig"][side]["Destination"]}
            for side in ("OnSuccess", "OnFailure") if side in (spec.get("DestinationConfig") or {})
        }  # fmt: skip
        if destinations:
            params["DestinationConfig"] = destinations
        qualifier = {"Qualifier": str(alias)} if alias else {}
        client.put_function_event_invoke_config(FunctionName=name, **qualifier, **params)
    if "FunctionUrlConfig" in props:
        spec = props["FunctionUrlConfig"]
        params = {"AuthType": spec.get("AuthType", "NONE")}
        if spec.get("Cors"):
            params["Cors"] = spec["Cors"]
        if spec.get("InvokeMode"):
            params["InvokeMode"] = spec["InvokeMode"]
        qualifier = {"Qualifier": str(alias)} if alias else {}
        try:
            url = client.create_function_url_config(FunctionName=name, **qualifier, **params)[
                "FunctionUrl"
            ]
        except client.exceptions.ResourceConflictException:
            url = client.get_function_url_config(FunctionName=name, **qualifier)["FunctionUrl"]
        ctx.endpoints.append(Endpoint(f"function URL -> {name}", url, url))


def _number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise TemplateError(f"expected a whole number (got {value!r})") from None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
