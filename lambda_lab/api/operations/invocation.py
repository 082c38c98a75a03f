"""Asynchronous invocation settings and event source mappings over the REST API.

FunctionEventInvokeConfig operations go to ``lab.async_queue.configs``; EventSourceMapping
operations to ``lab.event_sources.mappings``. Both take and return AWS's member names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "put_function_event_invoke_config", "update_function_event_invoke_config",
    "get_function_event_invoke_config", "delete_function_event_invoke_config",
    "list_function_event_invoke_configs",
    "create_event_source_mapping", "get_event_source_mapping", "update_event_source_mapping",
    "delete_event_source_mapping", "list_event_source_mappings",
]  # fmt: skip

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


def put_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.put(params)


def update_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.update(params)


def get_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.get(params)


def delete_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.async_queue.configs.delete(params)
    return {}


def list_function_event_invoke_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.list(params)


def create_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.create(params)


def get_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.get(params["UUID"])


def update_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.update(params)


def delete_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.delete(params["UUID"])


def list_event_source_mappings(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.list(
        params.get("EventSourceArn"),
        params.get("FunctionName"),
        params.get("Marker"),
        params.get("MaxItems"),
    )
