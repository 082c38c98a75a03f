"""Layers over the REST API: Publish/Get/List/Delete layer versions and their permissions.

The layer store (:mod:`lambda_lab.control.layers`) holds the versions; these functions only
read the operation's input members and shape its output. Lists return every item and the
operation convention pages them (Marker/MaxItems, at most 50 items a page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab.api.operation import operation

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


@operation("PublishLayerVersion")
def publish_layer_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.publish(params)


@operation("GetLayerVersion")
def get_layer_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.version(params["LayerName"], params["VersionNumber"]).as_aws()


@operation("GetLayerVersionByArn")
def get_layer_version_by_arn(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.by_arn(params.get("Arn")).as_aws()


@operation("ListLayers", items="Layers")
def list_layers(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    found = lab.layers.list_layers(
        params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
    )
    return {"Layers": found}


@operation("ListLayerVersions", items="LayerVersions")
def list_layer_versions(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    found = lab.layers.list_versions(
        params["LayerName"], params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
    )
    return {"LayerVersions": found}


@operation("DeleteLayerVersion")
def delete_layer_version(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.layers.delete(params["LayerName"], params["VersionNumber"])
    return {}


@operation("AddLayerVersionPermission")
def add_layer_version_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.add_permission(params["LayerName"], params["VersionNumber"], params)


@operation("RemoveLayerVersionPermission")
def remove_layer_version_permission(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.layers.remove_permission(
        params["LayerName"],
        params["VersionNumber"],
        params["StatementId"],
        params.get("RevisionId"),
    )
    return {}


@operation("GetLayerVersionPolicy")
def get_layer_version_policy(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.layers.policy(params["LayerName"], params["VersionNumber"])
