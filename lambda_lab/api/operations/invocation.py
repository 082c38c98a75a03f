"""Asynchronous invocation settings and event source mappings over the REST API.

FunctionEventInvokeConfig operations go to ``lab.async_queue.configs``; EventSourceMapping
operations to ``lab.event_sources.mappings``. Both take and return AWS's member names; the
pages are cut here, by the one pager, with AWS's caps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.api.operation import operation

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

EVERYTHING = 1_000_000  # asks a component for all its items in one page


@operation("PutFunctionEventInvokeConfig")
def put_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.put(params)


@operation("UpdateFunctionEventInvokeConfig")
def update_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.update(params)


@operation("GetFunctionEventInvokeConfig")
def get_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.get(params)


@operation("DeleteFunctionEventInvokeConfig")
def delete_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> None:
    lab.async_queue.configs.delete(params)


@operation("ListFunctionEventInvokeConfigs", items="FunctionEventInvokeConfigs")
def list_function_event_invoke_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = []
    marker = None
    while True:  # the component pages by 50 itself: collect them all, then page once here
        page = lab.async_queue.configs.list(
            {"FunctionName": params["FunctionName"], "Marker": marker, "MaxItems": 50}
        )
        found += page["FunctionEventInvokeConfigs"]
        marker = page.get("NextMarker")
        if not marker:
            return {"FunctionEventInvokeConfigs": found}


@operation("CreateEventSourceMapping")
def create_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    try:
        lab.functions.get(params["FunctionName"])
    except errors.ResourceNotFoundException:  # AWS answers 400 here, not 404 (recorded)
        raise errors.InvalidParameterValueException("Function does not exist") from None
    return lab.event_sources.mappings.create(params)


@operation("GetEventSourceMapping")
def get_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.get(params["UUID"])


@operation("UpdateEventSourceMapping")
def update_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.update(params)


@operation("DeleteEventSourceMapping")
def delete_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.event_sources.mappings.delete(params["UUID"])


@operation("ListEventSourceMappings", items="EventSourceMappings", page_cap=100)
def list_event_source_mappings(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    every = lab.event_sources.mappings.list(
        params.get("EventSourceArn"), params.get("FunctionName"), None, EVERYTHING
    )
    return {"EventSourceMappings": every["EventSourceMappings"]}
