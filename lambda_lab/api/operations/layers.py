"""Layers over the REST API: Publish/Get/List/Delete layer versions and their permissions.

The layer store (:mod:`lambda_lab.control.layers`) holds the versions; these functions only
read the operation's input members and shape its output. List operations page with the
same Marker/MaxItems convention as ListFunctions (at most 50 items a page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors

__all__ = [
    "publish_layer_version", "get_layer_version", "get_layer_version_by_arn", "list_layers",
    "list_layer_versions", "delete_layer_version", "add_layer_version_permission",
    "remove_layer_version_permission", "get_layer_version_policy",
]  # fmt: skip

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

PAGE_MAX = 50


def publish_layer_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.publish(params)


def get_layer_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.version(params["LayerName"], params["VersionNumber"]).as_aws()


def get_layer_version_by_arn(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.by_arn(params.get("Arn")).as_aws()


def list_layers(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    found = lab.layers.list_layers(
        params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
    )
    page, marker = _page(found, params)
    return {"Layers": page, "NextMarker": marker}


def list_layer_versions(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    found = lab.layers.list_versions(
        params["LayerName"], params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
    )
    page, marker = _page(found, params)
    return {"LayerVersions": page, "NextMarker": marker}


def delete_layer_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.layers.delete(params["LayerName"], params["VersionNumber"])
    return {}


def add_layer_version_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.add_permission(params["LayerName"], params["VersionNumber"], params)


def remove_layer_version_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.layers.remove_permission(
        params["LayerName"],
        params["VersionNumber"],
        params["StatementId"],
        params.get("RevisionId"),
    )
    return {}


def get_layer_version_policy(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.policy(params["LayerName"], params["VersionNumber"])


def _page(
    items: list[dict[str, Any]], params: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    marker = params.get("Marker")
    start = int(marker) if isinstance(marker, str) and marker.isdigit() else 0
    size = params.get("MaxItems") or PAGE_MAX
    if not isinstance(size, int) or not 1 <= size <= PAGE_MAX:
        raise errors.InvalidParameterValueException(
            f"MaxItems must be between 1 and {PAGE_MAX} (got {size!r})"
        )
    page = items[start : start + size]
    return page, (str(start + size) if start + size < len(items) else None)
