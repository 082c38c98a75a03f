"""Versions and aliases over the REST API: PublishVersion, ListVersionsByFunction, *Alias.

Thin: the state and the rules live in :mod:`lambda_lab.control.versions` (and PublishVersion's
state checks in the control-plane service); these turn its objects into AWS's documents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.api.operation import operation
from lambda_lab.control import arns
from lambda_lab.control.service import QUALIFIED_NOT_ALLOWED
from lambda_lab.control.versions import LATEST

if TYPE_CHECKING:
    from lambda_lab.control.functions import FunctionConfig
    from lambda_lab.lab import Lab


def _unqualified(lab: Lab, function_name: str) -> FunctionConfig:
    """The function named without a qualifier, as these operations require."""
    if arns.parse(function_name).qualifier is not None:
        raise errors.InvalidParameterValueException(QUALIFIED_NOT_ALLOWED)
    return lab.functions.get(function_name)


@operation("PublishVersion")
def publish_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.publish_version(
        params["FunctionName"],
        params.get("CodeSha256"),
        params.get("RevisionId"),
        params.get("Description"),
    )


@operation("ListVersionsByFunction", items="Versions", page_cap=50)
def list_versions_by_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"])
    documents = []
    for version, frozen in lab.versions.list_versions(config):
        shown = lab.lifecycle.view(config) if version == LATEST else frozen
        # list items carry no states; in this listing AWS qualifies $LATEST's ARN too
        documents.append(shown.as_aws(version, arn=f"{config.arn}:{version}"))
    return {"Versions": documents}


@operation("CreateAlias")
def create_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"])
    alias = lab.versions.create_alias(
        config,
        params["Name"],
        params["FunctionVersion"],
        params.get("Description", ""),
        params.get("RoutingConfig"),
    )
    return alias.as_aws(config.arn)


@operation("GetAlias")
def get_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"])
    return lab.versions.get_alias(config, params["Name"], "Cannot find alias arn: ").as_aws(
        config.arn
    )


@operation("UpdateAlias")
def update_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"])
    return lab.versions.update_alias(config, params["Name"], params).as_aws(config.arn)


@operation("DeleteAlias")
def delete_alias(lab: Lab, params: dict[str, Any]) -> None:
    config = _unqualified(lab, params["FunctionName"])
    lab.versions.delete_alias(config, params["Name"])


@operation("ListAliases", items="Aliases", page_cap=50)
def list_aliases(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"])
    aliases = lab.versions.list_aliases(config, params.get("FunctionVersion"))
    return {"Aliases": [a.as_aws(config.arn) for a in aliases]}
