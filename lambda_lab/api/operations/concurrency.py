"""Provisioned concurrency over the REST API: Put/Get/Delete/ListProvisionedConcurrencyConfig(s).

Reserved concurrency (PutFunctionConcurrency and friends) and GetAccountSettings live with
the function operations; the rules behind both are ``lambda_lab.concurrency.controller``'s,
and the provisioned environments are ``lambda_lab.concurrency.provisioned``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab.api.operation import operation

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


@operation("PutProvisionedConcurrencyConfig")
def put_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    """202 with Status IN_PROGRESS; the environments start in the background."""
    return lab.concurrency.provisioned.put(
        params["FunctionName"],
        params.get("Qualifier"),
        params.get("ProvisionedConcurrentExecutions"),
    )


@operation("GetProvisionedConcurrencyConfig")
def get_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.concurrency.provisioned.get(params["FunctionName"], params.get("Qualifier"))


@operation("DeleteProvisionedConcurrencyConfig")
def delete_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> None:
    lab.concurrency.provisioned.delete(params["FunctionName"], params.get("Qualifier"))


@operation("ListProvisionedConcurrencyConfigs", items="ProvisionedConcurrencyConfigs")
def list_provisioned_concurrency_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "ProvisionedConcurrencyConfigs": lab.concurrency.provisioned.list(params["FunctionName"])
    }
