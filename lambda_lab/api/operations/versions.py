"""Versions and aliases over the REST API: PublishVersion, ListVersionsByFunction, *Alias.

Thin: the state and the rules live in :mod:`lambda_lab.control.versions`; these turn its objects
into the documents AWS answers with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.control.versions import LATEST, split_qualifier

__all__ = [
    "publish_version", "list_versions_by_function",
    "create_alias", "get_alias", "update_alias", "delete_alias", "list_aliases",
]  # fmt: skip

if TYPE_CHECKING:
    from lambda_lab.control.functions import FunctionConfig
    from lambda_lab.lab import Lab

PAGE_DEFAULT = 50


def _unqualified(lab: Lab, function_name: str, operation: str) -> FunctionConfig:
    """The function named without a qualifier, as these operations require."""
    if split_qualifier(function_name)[1] is not None:
        raise errors.InvalidParameterValueException(
            f"{operation} takes an unqualified function name or ARN (got {function_name!r})"
        )
    return lab.functions.get(function_name)


def _page(items: list[Any], params: dict[str, Any], key: str) -> dict[str, Any]:
    marker = params.get("Marker")
    start = int(marker) if marker and str(marker).isdigit() else 0
    size = params.get("MaxItems") or PAGE_DEFAULT
    result: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        result["NextMarker"] = str(start + size)
    return result


def publish_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "PublishVersion")
    version, frozen = lab.versions.publish(
        config, params.get("CodeSha256"), params.get("RevisionId"), params.get("Description")
    )
    return frozen.as_aws(version)


def list_versions_by_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "ListVersionsByFunction")
    documents = []
    for version, frozen in lab.versions.list_versions(config):
        doc = frozen.as_aws(version)
        if version == LATEST:  # in this listing AWS qualifies $LATEST's ARN too
            doc["FunctionArn"] = f"{frozen.arn}:{LATEST}"
        documents.append(doc)
    return _page(documents, params, "Versions")


def create_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "CreateAlias")
    alias = lab.versions.create_alias(
        config,
        params.get("Name"),
        params.get("FunctionVersion"),
        params.get("Description", ""),
        params.get("RoutingConfig"),
    )
    return alias.as_aws(config.arn)


def get_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "GetAlias")
    return lab.versions.get_alias(config, params["Name"]).as_aws(config.arn)


def update_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "UpdateAlias")
    return lab.versions.update_alias(config, params["Name"], params).as_aws(config.arn)


def delete_alias(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "DeleteAlias")
    lab.versions.delete_alias(config, params["Name"])
    return {}


def list_aliases(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    config = _unqualified(lab, params["FunctionName"], "ListAliases")
    aliases = lab.versions.list_aliases(config, params.get("FunctionVersion"))
    return _page([a.as_aws(config.arn) for a in aliases], params, "Aliases")
