"""Layers in a template: ``AWS::Serverless::LayerVersion`` and ``AWS::Lambda::LayerVersion``.

Each becomes one PublishLayerVersion with the ZIP of its content (a folder or a .zip next
to the template, or an object in the Lab's S3); ``!Ref`` gives the version ARN, which is
what a function's ``Layers`` lists. A layer version never changes, so a redeploy publishes a
new version only when the content or a property changed, as SAM does (it renames the
generated resource after a hash of both); the functions that ``!Ref`` it then move to the new
ARN. The version left behind is kept (``RetentionPolicy: Retain``, SAM's default) or deleted
once the deployment is done (``Delete``), as the template that created it said.

``Metadata: BuildMethod: python3.x`` is what ``sam build`` reads: the folder's files go under
``python/`` and the packages in its requirements.txt are added. The Lab downloads nothing,
so it takes those packages from this machine's Python, built for this machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from lambda_lab.control import packaging
from lambda_lab.control.sam.context import DeployContext, Physical
from lambda_lab.control.sam.template import Resource
from lambda_lab.control.sam.yaml_loader import TemplateError

SERVERLESS = ("ContentUri", "LayerName", "Description", "CompatibleRuntimes",
              "CompatibleArchitectures", "LicenseInfo", "RetentionPolicy", "PublishLambdaVersion")  # fmt: skip
PLAIN = ("Content", "LayerName", "Description", "CompatibleRuntimes", "CompatibleArchitectures",
         "LicenseInfo")  # fmt: skip
RETENTION = ("Retain", "Delete")
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def make_serverless_layer(
    ctx: DeployContext, resource: Resource, props: dict[str, Any]
) -> Physical:
    """AWS::Serverless::LayerVersion (SAM): ContentUri, LayerName (default: the logical id)."""
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, SERVERLESS)
    retention = _retention(resource, where)
    name = str(props.get("LayerName") or resource.logical_id)
    if "ContentUri" not in props:
        raise TemplateError(f"{where}: needs ContentUri (a folder next to the template)")
    content = _content(ctx, resource, props["ContentUri"], f"{where}.ContentUri")
    return _publish(ctx, resource, name, content, props, retention)


def make_plain_layer(ctx: DeployContext, resource: Resource, props: dict[str, Any]) -> Physical:
    """AWS::Lambda::LayerVersion (CloudFormation): Content from S3 (or a local path, which
    ``sam deploy`` and ``aws cloudformation package`` upload first). Replaced versions are
    deleted unless the resource says ``UpdateReplacePolicy: Retain``."""
    where = f"Resources.{resource.logical_id}"
    ctx.unsupported(where, props, PLAIN)
    if "Content" not in props:
        raise TemplateError(f"{where}: needs Content ({{S3Bucket, S3Key}} or a local folder)")
    retention = "Retain" if resource.attributes.get("UpdateReplacePolicy") == "Retain" else "Delete"
    name = str(props.get("LayerName") or ctx.physical_name(resource.logical_id, 140))
    content = props["Content"]
    if isinstance(content, dict):
        content = {"Bucket": content.get("S3Bucket"), "Key": content.get("S3Key"),
                   "Version": content.get("S3ObjectVersion")}  # fmt: skip
    return _publish(ctx, resource, name, _content(ctx, resource, content, f"{where}.Content"),
                    props, retention)  # fmt: skip


def _retention(resource: Resource, where: str) -> str:
    value = resource.properties.get("RetentionPolicy")  # as written: intrinsics are refused
    if value is None:
        return "Retain"
    if not isinstance(value, str):
        raise TemplateError(
            f"{where}.RetentionPolicy: does not accept intrinsic functions; use one of {list(RETENTION)}"
        )
    for option in RETENTION:
        if value.lower() == option.lower():
            return option
    raise TemplateError(
        f"{where}.RetentionPolicy: must be one of {list(RETENTION)} (got {value!r})"
    )


def _content(ctx: DeployContext, resource: Resource, uri: Any, where: str) -> dict[str, Any]:
    """PublishLayerVersion's ``Content``: the ZIP of a local folder or file, or an S3 object."""
    if isinstance(uri, dict):
        if not (uri.get("Bucket") and uri.get("Key")):
            raise TemplateError(f"{where}: an S3 location needs Bucket and Key (got {uri!r})")
        s3 = {"S3Bucket": str(uri["Bucket"]), "S3Key": str(uri["Key"])}
        if uri.get("Version"):
            s3["S3ObjectVersion"] = str(uri["Version"])
        return s3
    if not isinstance(uri, str) or not uri:
        raise TemplateError(f"{where}: needs a folder next to the template (got {uri!r})")
    if uri.startswith("s3://"):
        bucket, _, key = uri[len("s3://") :].partition("/")
        return _content(ctx, resource, {"Bucket": bucket, "Key": key}, where)
    path = ctx.path(uri)
    if not os.path.exists(path):
        raise TemplateError(f"{where}: no folder or file {path!r}")
    if os.path.isfile(path) and path.endswith(".zip"):
        with open(path, "rb") as handle:
            return {"ZipFile": handle.read()}
    build = resource.metadata.get("BuildMethod") if isinstance(resource.metadata, dict) else None
    if build is not None and os.path.isdir(path):
        return {"ZipFile": _built(ctx, resource, str(build), path)}
    return {"ZipFile": packaging.package(path)}


def _built(ctx: DeployContext, resource: Resource, method: str, folder: str) -> bytes:
    """The layer ``sam build`` would make of a folder with ``BuildMethod`` set."""
    where = f"Resources.{resource.logical_id}.Metadata.BuildMethod"
    if not method.startswith("python3"):
        ctx.note(f"{where} {method}: the Lab does not build it; ContentUri is published as it is")
        return packaging.package(folder)
    files = packaging.read_folder(folder)
    wanted = _requirements(files.pop("requirements.txt", b""))
    built = {f"python/{name}": data for name, data in files.items()}
    missing = []
    for requirement in wanted:
        try:
            installed = packaging.installed_files(requirement)
        except FileNotFoundError:
            missing.append(requirement)
            continue
        built.update({f"python/{name}": data for name, data in installed.items()})
    if wanted:
        found = [r for r in wanted if r not in missing]
        ctx.note(
            f"{where} {method}: requirements.txt taken from this machine's Python"
            + (f" ({', '.join(found)})" if found else "")
            + (f"; not installed here, left out: {', '.join(missing)}" if missing else "")
            + " (sam build downloads them for the layer's runtime and architecture)"
        )
    return packaging.zip_files(built)


def _requirements(text: bytes) -> list[str]:
    names = []
    for line in text.decode("utf-8", errors="replace").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue  # pip options (-r, --index-url...) are not packages
        found = _REQUIREMENT.match(line)
        if found:
            names.append(found.group(1))
    return names


def _publish(
    ctx: DeployContext,
    resource: Resource,
    name: str,
    content: dict[str, Any],
    props: dict[str, Any],
    retention: str,
) -> Physical:
    params: dict[str, Any] = {"LayerName": name, "Content": content}
    for key in ("Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
        if key in props:
            params[key] = props[key]
    fingerprint = _fingerprint(params)
    client = ctx.services.lambda_client
    previous = ctx.previous.get(resource.logical_id)
    if previous is not None and previous.details.get("fingerprint") == fingerprint:
        try:
            client.get_layer_version_by_arn(Arn=previous.ref)
            return Physical(resource.logical_id, resource.type, previous.ref,
                            dict(previous.attributes), dict(previous.details))  # fmt: skip
        except client.exceptions.ResourceNotFoundException:
            pass  # deleted since: publish again, as CloudFormation would recreate it
    arn = str(client.publish_layer_version(**params)["LayerVersionArn"])
    details = {"fingerprint": fingerprint, "retention": retention}
    if previous is not None and previous.ref != arn:
        details["replaced"] = previous.ref
        if previous.details.get("retention", "Retain") == "Delete":
            # CloudFormation removes the old version in its clean-up, once the functions that
            # use the layer point at the new one.
            ctx.after.append(lambda: _delete(client, str(previous.ref)))
    return Physical(resource.logical_id, resource.type, arn, {"LayerVersionArn": arn}, details)


def _fingerprint(params: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    content = params["Content"]
    if "ZipFile" in content:
        digest.update(_files_digest(content["ZipFile"]).encode())
    else:
        digest.update(json.dumps(content, sort_keys=True).encode())
    rest = {k: v for k, v in params.items() if k != "Content"}
    digest.update(json.dumps(rest, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _files_digest(zip_bytes: bytes) -> str:
    """The names and bytes inside a ZIP (not its timestamps), so an unchanged folder zipped
    again gives the same fingerprint."""
    import io
    import zipfile

    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                digest.update(info.filename.encode() + b"\0")
                digest.update(archive.read(info))
    except zipfile.BadZipFile:
        digest.update(zip_bytes)  # PublishLayerVersion will refuse it with AWS's message
    return digest.hexdigest()


def _delete(client: Any, version_arn: str) -> None:
    layer, _, number = version_arn.rpartition(":")
    client.delete_layer_version(LayerName=layer, VersionNumber=int(number))
