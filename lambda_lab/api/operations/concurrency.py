"""Provisioned concurrency over the REST API: Put/Get/Delete/ListProvisionedConcurrencyConfig(s).

Reserved concurrency (PutFunctionConcurrency and friends) and GetAccountSettings live with
the function operations; the rules behind both are ``lambda_lab.concurrency.controller``'s, and the
provisioned environments are ``lambda_lab.concurrency.provisioned``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "put_provisioned_concurrency_config", "get_provisioned_concurrency_config",
    "delete_provisioned_concurrency_config", "list_provisioned_concurrency_configs",
]  # fmt: skip

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


def put_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    """202 with Status IN_PROGRESS; the environments start in the background."""
    return lab.concurrency.provisioned.put(
        params["FunctionName"],
        params.get("Qualifier"),
        params.get("ProvisionedConcurrentExecutions"),
    )


def get_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.concurrency.provisioned.get(params["FunctionName"], params.get("Qualifier"))


def delete_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.concurrency.provisioned.delete(params["FunctionName"], params.get("Qualifier"))
    return {}


def list_provisioned_concurrency_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.concurrency.provisioned.list(
        params["FunctionName"], params.get("Marker"), params.get("MaxItems")
    )
