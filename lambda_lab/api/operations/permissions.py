"""Resource policies and tags over the REST API: Add/RemovePermission, GetPolicy, *Tag*.

Policies live in :mod:`lambda_lab.control.permissions` (one per function and qualifier); tags
live on the function's configuration, where GetFunction shows them too. The not-found
messages differ by operation, as AWS's do (recorded).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.api.operation import operation
from lambda_lab.control import arns
from lambda_lab.control.versions import LATEST

if TYPE_CHECKING:
    from lambda_lab.control.functions import FunctionConfig
    from lambda_lab.lab import Lab

NO_RESOURCE = "The resource you requested does not exist."
_PRINCIPAL = re.compile(
    r"\*|\d{12}|arn:.+|[a-z0-9.-]+\.(amazonaws\.com|amazon\.com|amazonaws\.com\.cn)"
)


def _target(
    lab: Lab, params: dict[str, Any], missing: str | None
) -> tuple[FunctionConfig, str, str]:
    """(function, qualifier, resource ARN) a policy operation is about; the qualifier must exist.

    ``missing`` replaces the message of every not-found (None: AWS's usual ones).
    """
    name = params["FunctionName"]
    qualifier = arns.qualifier_of(name, params.get("Qualifier")) or LATEST
    try:
        config = lab.functions.get(name)
        if qualifier == LATEST:
            return config, LATEST, config.arn
        if qualifier.isdigit():
            lab.versions.version_config(config, qualifier)  # Function not found: ...:N
        else:
            lab.versions.get_alias(config, qualifier, "Cannot find alias arn: ")
    except errors.ResourceNotFoundException:
        if missing is None:
            raise
        raise errors.ResourceNotFoundException(missing) from None
    return config, qualifier, f"{config.arn}:{qualifier}"


@operation("AddPermission")
def add_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("Qualifier") == LATEST:
        raise errors.InvalidParameterValueException(
            "We currently do not support adding policies for $LATEST."
        )
    config, qualifier, arn = _target(lab, params, None)
    if not _PRINCIPAL.fullmatch(str(params["Principal"])):
        raise errors.InvalidParameterValueException(
            "The provided principal was invalid. Please check the principal and try again."
        )
    added = lab.permissions.add(config.name, qualifier, params, arn)
    return {"Statement": json.dumps(added, separators=(",", ":"))}


@operation("GetPolicy")
def get_policy(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config, qualifier, _ = _target(lab, params, NO_RESOURCE)
    return lab.permissions.policy(config.name, qualifier)


@operation("RemovePermission")
def remove_permission(lab: Lab, params: dict[str, Any]) -> None:
    try:
        config, qualifier, arn = _target(lab, params, None)
    except errors.ResourceNotFoundException as exc:
        if str(exc.message).startswith("Function not found: "):
            raise errors.ResourceNotFoundException(
                "No policy found for: " + str(exc.message).removeprefix("Function not found: ")
            ) from None
        raise
    if not lab.permissions.statements(config.name, qualifier):
        raise errors.ResourceNotFoundException("No policy is associated with the given resource.")
    lab.permissions.remove(config.name, qualifier, params["StatementId"], params.get("RevisionId"))


def _tagged_function(lab: Lab, resource: str) -> FunctionConfig:
    ref = arns.parse(resource)
    if ":function:" not in str(resource):
        raise errors.InvalidParameterValueException(
            f"The Lab keeps tags on functions only (got {resource})"
        )
    if ref.qualifier is not None:
        raise errors.InvalidParameterValueException(
            "Tags on function aliases and versions are not supported. Please specify a function ARN."
        )
    return lab.functions.get(resource)


@operation("TagResource")
def tag_resource(lab: Lab, params: dict[str, Any]) -> None:
    config = _tagged_function(lab, params["Resource"])
    tags = params["Tags"]
    if not tags:
        raise errors.InvalidParameterValueException(
            "An error occurred and the request cannot be processed."
        )
    merged = {**config.tags, **tags}
    if len(merged) > limits.TAGS_PER_RESOURCE_MAX:
        raise errors.InvalidParameterValueException("Number of tags exceeds resource tag limit.")
    config.tags = merged
    lab.lifecycle.view(config).tags = dict(merged)  # an update in progress keeps them too


@operation("UntagResource")
def untag_resource(lab: Lab, params: dict[str, Any]) -> None:
    config = _tagged_function(lab, params["Resource"])
    gone = set(params["TagKeys"])
    config.tags = {k: v for k, v in config.tags.items() if k not in gone}
    lab.lifecycle.view(config).tags = dict(config.tags)


@operation("ListTags")
def list_tags(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": dict(_tagged_function(lab, params["Resource"]).tags)}
