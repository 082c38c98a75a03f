"""Resource policies and tags over the REST API: Add/RemovePermission, GetPolicy, *Tag*.

Policies live in :mod:`lambda_lab.control.permissions` (one per function and qualifier); tags
live on the function's configuration, where GetFunction shows them too.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.control.versions import LATEST

__all__ = [
    "add_permission",
    "get_policy",
    "remove_permission",
    "tag_resource",
    "untag_resource",
    "list_tags",
]

if TYPE_CHECKING:
    from lambda_lab.control.functions import FunctionConfig
    from lambda_lab.lab import Lab


def _target(lab: Lab, params: dict[str, Any]) -> tuple[FunctionConfig, str, str]:
    """(function, qualifier, resource ARN) a policy operation is about; the qualifier must exist."""
    name = params["FunctionName"]
    config = lab.functions.get(name)
    qualifier = lab.versions.qualifier(name, params.get("Qualifier"))
    if qualifier == LATEST:
        return config, LATEST, config.arn
    if not lab.versions.is_alias(config.name, qualifier):
        lab.versions.version_config(
            config, qualifier
        )  # raises AWS's not-found for a missing version
    return config, qualifier, f"{config.arn}:{qualifier}"


def add_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config, qualifier, arn = _target(lab, params)
    added = lab.permissions.add(config.name, qualifier, params, arn)
    return {"Statement": json.dumps(added, separators=(",", ":"))}


def get_policy(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config, qualifier, _ = _target(lab, params)
    return lab.permissions.policy(config.name, qualifier)


def remove_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config, qualifier, _ = _target(lab, params)
    lab.permissions.remove(config.name, qualifier, params["StatementId"], params.get("RevisionId"))
    return {}


def _tagged_function(lab: Lab, resource: str) -> FunctionConfig:
    parts = str(resource).split(":")
    if len(parts) < 7 or parts[:3] != ["arn", "aws", "lambda"] or parts[5] != "function":
        raise errors.InvalidParameterValueException(
            f"Resource must be a function ARN such as arn:aws:lambda:{lab.region}:{lab.account_id}:function:NAME "
            f"(got {resource!r})"
        )
    if len(parts) > 7:
        raise errors.InvalidParameterValueException(
            "Tags on function aliases and versions are not supported. Please specify a function ARN."
        )
    return lab.functions.get(resource)


def tag_resource(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _tagged_function(lab, params["Resource"])
    tags = params.get("Tags") or {}
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise errors.InvalidParameterValueException(
            f"Tags must map strings to strings (got {tags!r})"
        )
    merged = {**config.tags, **tags}
    if len(merged) > limits.TAGS_PER_RESOURCE_MAX:
        raise errors.InvalidParameterValueException(
            f"A resource can have at most {limits.TAGS_PER_RESOURCE_MAX} tags (this would make {len(merged)})"
        )
    config.tags = merged
    return {}


def untag_resource(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _tagged_function(lab, params["Resource"])
    config.tags = {
        k: v for k, v in config.tags.items() if k not in set(params.get("TagKeys") or [])
    }
    return {}


def list_tags(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": dict(_tagged_function(lab, params["Resource"]).tags)}
