"""Provisioned concurrency over the REST API: Put/Get/Delete/ListProvisionedConcurrencyConfig(s).

Reserved concurrency (PutFunctionConcurrency and friends) and GetAccountSettings live with
the function operations; the rules behind both are ``lambda_lab.concurrency.controller``'s,
and the provisioned environments are ``lambda_lab.concurrency.provisioned``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.api.operation import operation
from lambda_lab.control import arns

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

NO_CONFIG = "No Provisioned Concurrency Config found for this function"  # recorded


def _published_target(lab: Lab, params: dict[str, Any], latest_message: str) -> None:
    """AWS's checks of the version or alias a provisioned concurrency call names (recorded):
    not $LATEST, an alias that exists (even of a missing function), a version that exists."""
    name = params["FunctionName"]
    qualifier = arns.qualifier_of(name, params.get("Qualifier")) or "$LATEST"
    ref = arns.parse(name)
    arns.check_reachable(ref, lab.region, lab.account_id)
    if qualifier == "$LATEST":
        raise errors.InvalidParameterValueException(latest_message)
    arn = arns.function_arn(lab.region, limits.ACCOUNT_ID, ref.name, qualifier)
    if name_exists := ref.name in lab.functions:
        config = lab.functions.get(name)
    if not qualifier.isdigit():
        if not name_exists or not lab.versions.is_alias(config.name, qualifier):
            raise errors.ResourceNotFoundException(f"Cannot find alias arn: {arn}")
    elif not name_exists:
        raise errors.function_not_found(arn)
    else:
        lab.versions.version_config(config, qualifier)  # Function not found: ...:N


@operation("PutProvisionedConcurrencyConfig")
def put_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    """202 with Status IN_PROGRESS; the environments start in the background."""
    _published_target(
        lab,
        params,
        "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
    )
    return lab.concurrency.provisioned.put(
        params["FunctionName"],
        params.get("Qualifier"),
        params.get("ProvisionedConcurrentExecutions"),
    )


@operation("GetProvisionedConcurrencyConfig")
def get_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    _published_target(
        lab, params, "The function resource provided must be an alias or a published version."
    )
    try:
        return lab.concurrency.provisioned.get(params["FunctionName"], params.get("Qualifier"))
    except errors.ProvisionedConcurrencyConfigNotFoundException:
        raise errors.ProvisionedConcurrencyConfigNotFoundException(NO_CONFIG) from None


@operation("DeleteProvisionedConcurrencyConfig")
def delete_provisioned_concurrency_config(lab: Lab, params: dict[str, Any]) -> None:
    _published_target(
        lab, params, "The function resource provided must be an alias or a published version."
    )
    try:
        lab.concurrency.provisioned.delete(params["FunctionName"], params.get("Qualifier"))
    except errors.ProvisionedConcurrencyConfigNotFoundException:
        return  # AWS answers 204 when there is nothing to delete (recorded)


@operation("ListProvisionedConcurrencyConfigs", items="ProvisionedConcurrencyConfigs")
def list_provisioned_concurrency_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "ProvisionedConcurrencyConfigs": lab.concurrency.provisioned.list(params["FunctionName"])
    }
