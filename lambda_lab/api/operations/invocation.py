"""Asynchronous invocation settings and event source mappings over the REST API.

FunctionEventInvokeConfig operations go to ``lab.async_queue.configs``; EventSourceMapping
operations to ``lab.event_sources.mappings``. Both take and return AWS's member names; the
pages are cut here, by the one pager, with AWS's caps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.api.operation import operation
from lambda_lab.control import arns

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

EVERYTHING = 1_000_000  # asks a component for all its items in one page
NO_MAPPING = "The resource you requested does not exist."  # recorded, word for word
_SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


def _no_config(lab: Lab, params: dict[str, Any]) -> errors.LambdaError:
    """AWS's not-found for an event invoke config, of a missing function or qualifier too."""
    ref = arns.parse(params["FunctionName"])
    qualifier = arns.qualifier_of(params["FunctionName"], params.get("Qualifier")) or "$LATEST"
    arn = arns.function_arn(lab.region, lab.account_id, ref.name, qualifier)
    return errors.ResourceNotFoundException(f"The function {arn} doesn't have an EventInvokeConfig")


@operation("PutFunctionEventInvokeConfig")
def put_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    if not any(params.get(k) is not None for k in _SETTINGS):
        raise errors.InvalidParameterValueException(
            "You must specify at least one of error handling or destination setting."
        )
    try:
        lab.functions.get(params["FunctionName"])
    except errors.ResourceNotFoundException:
        raise errors.ResourceNotFoundException("The function doesn't exist.") from None
    return lab.async_queue.configs.put(params)


@operation("UpdateFunctionEventInvokeConfig")
def update_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.async_queue.configs.update(params)


@operation("GetFunctionEventInvokeConfig")
def get_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return lab.async_queue.configs.get(params)
    except errors.ResourceNotFoundException:
        raise _no_config(lab, params) from None


@operation("DeleteFunctionEventInvokeConfig")
def delete_function_event_invoke_config(lab: Lab, params: dict[str, Any]) -> None:
    try:
        lab.async_queue.configs.delete(params)
    except errors.ResourceNotFoundException:
        raise _no_config(lab, params) from None


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
    if not params.get("EventSourceArn"):
        raise errors.InvalidParameterValueException("Unrecognized event source.")
    try:
        lab.functions.get(params["FunctionName"])
    except errors.ResourceNotFoundException:  # AWS answers 400 here, not 404 (recorded)
        raise errors.InvalidParameterValueException("Function does not exist") from None
    return lab.event_sources.mappings.create(params)


@operation("GetEventSourceMapping")
def get_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return _mapping_call(lambda: lab.event_sources.mappings.get(params["UUID"]))


@operation("UpdateEventSourceMapping")
def update_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return _mapping_call(lambda: lab.event_sources.mappings.update(params))


@operation("DeleteEventSourceMapping")
def delete_event_source_mapping(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return _mapping_call(lambda: lab.event_sources.mappings.delete(params["UUID"]))


def _mapping_call(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A mapping operation, with AWS's exact words for an unknown UUID."""
    try:
        return call()
    except errors.ResourceNotFoundException as exc:
        if str(exc.message).startswith(NO_MAPPING):
            raise errors.ResourceNotFoundException(NO_MAPPING) from None
        raise


@operation("ListEventSourceMappings", items="EventSourceMappings", page_cap=100)
def list_event_source_mappings(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    every = lab.event_sources.mappings.list(
        params.get("EventSourceArn"), params.get("FunctionName"), None, EVERYTHING
    )
    return {"EventSourceMappings": every["EventSourceMappings"]}
