"""The configurations other parts of the Lab own, kept by ``lambda-lab serve --state``
through the Lambda API itself: List* operations to save them, the matching Create/Put
operations to restore them (so the state never depends on their internals).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.serve import plane

if TYPE_CHECKING:
    from lambda_lab.control.functions import FunctionConfig
    from lambda_lab.lab import Lab

# (list operation, list member, restore operation, members the restore does not take)
_API_KEPT = (
    (
        "list_function_event_invoke_configs",
        "FunctionEventInvokeConfigs",
        "put_function_event_invoke_config",
        ("LastModified", "FunctionArn"),
    ),
    (
        "list_function_url_configs",
        "FunctionUrlConfigs",
        "create_function_url_config",
        ("FunctionUrl", "FunctionArn", "CreationTime", "LastModifiedTime"),
    ),
    (
        "list_provisioned_concurrency_configs",
        "ProvisionedConcurrencyConfigs",
        "put_provisioned_concurrency_config",
        (
            "FunctionArn",
            "AvailableProvisionedConcurrentExecutions",
            "AllocatedProvisionedConcurrentExecutions",
            "Status",
            "StatusReason",
            "LastModified",
            "RequestedProvisionedConcurrentExecutions",
        ),
    ),
)
_SAVED_UUID = plane.SAVED_UUID  # a mapping keeps its identity across restarts
_MAPPING_OUTPUT_ONLY = (
    "UUID",
    "FunctionArn",
    "LastModified",
    "LastProcessingResult",
    "State",
    "StateTransitionReason",
    "EventSourceMappingArn",
)


def export_api(lab: Lab, functions: list[FunctionConfig]) -> dict[str, list[dict[str, Any]]]:
    """Event invoke, URL and provisioned concurrency configs, as the parameters that restore them."""
    from lambda_lab.api import operations

    kept: dict[str, list[dict[str, Any]]] = {}
    for list_op, member, restore, output_only in _API_KEPT:
        lister = getattr(operations, list_op, None)
        if lister is None:
            continue
        for config in functions:
            for item in lister(lab, {"FunctionName": config.name}).get(member, []):
                params = {k: v for k, v in item.items() if k not in output_only}
                params["FunctionName"] = item.get("FunctionArn", config.name)
                if restore == "put_provisioned_concurrency_config":
                    params["FunctionName"], _, params["Qualifier"] = item["FunctionArn"].rpartition(
                        ":"
                    )
                    params["ProvisionedConcurrentExecutions"] = item[
                        "RequestedProvisionedConcurrentExecutions"
                    ]
                kept.setdefault(restore, []).append(params)
    return kept


def export_mappings(lab: Lab) -> list[dict[str, Any]]:
    """Every event source mapping, as CreateEventSourceMapping parameters (with its UUID)."""
    from lambda_lab.api import operations

    kept = []
    for mapping in operations.list_event_source_mappings(lab, {}).get("EventSourceMappings", []):
        params = {k: v for k, v in mapping.items() if k not in _MAPPING_OUTPUT_ONLY}
        params["FunctionName"] = mapping["FunctionArn"]
        params[_SAVED_UUID] = mapping["UUID"]  # a mapping keeps its identity across restarts
        params["Enabled"] = mapping.get("State") not in ("Disabled", "Disabling")
        kept.append(params)
    return kept


def restore(lab: Lab, operation: str, params: dict[str, Any]) -> None:
    """Call a Lambda API operation to put a saved configuration back; say what failed."""
    from lambda_lab.api import operations

    try:
        getattr(operations, operation)(lab, dict(params))
    except errors.LambdaError as exc:  # say what could not come back, and go on with the rest
        print(f"lambda-lab serve: could not restore {operation} {params}: {exc}", flush=True)
