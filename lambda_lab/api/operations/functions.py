"""Function CRUD, reserved concurrency and account settings over the REST API.

Each handler takes the Lab and the operation's input (AWS member names, already validated
against botocore's model) and returns the output members; the rules live in
:class:`lambda_lab.control.service.LambdaService`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab.api.operation import operation

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


@operation("CreateFunction")
def create_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.create_function(params)


@operation("GetFunction")
def get_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_function(params["FunctionName"], params.get("Qualifier"))


@operation("GetFunctionConfiguration")
def get_function_configuration(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_function_configuration(params["FunctionName"], params.get("Qualifier"))


@operation("ListFunctions", items="Functions", page_cap=50)
def list_functions(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return {"Functions": lab.service.list_functions(params.get("FunctionVersion"))}


@operation("UpdateFunctionCode")
def update_function_code(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in params.items() if k != "FunctionName"}
    return lab.service.update_function_code(params["FunctionName"], rest)


@operation("UpdateFunctionConfiguration")
def update_function_configuration(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in params.items() if k != "FunctionName"}
    return lab.service.update_function_configuration(params["FunctionName"], rest)


@operation("DeleteFunction")
def delete_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.delete_function(params["FunctionName"], params.get("Qualifier"))


@operation("PutFunctionConcurrency")
def put_function_concurrency(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.put_function_concurrency(
        params["FunctionName"], params["ReservedConcurrentExecutions"]
    )


@operation("GetFunctionConcurrency")
def get_function_concurrency(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_function_concurrency(params["FunctionName"])


@operation("DeleteFunctionConcurrency")
def delete_function_concurrency(lab: Lab, params: dict[str, Any]) -> None:
    lab.service.delete_function_concurrency(params["FunctionName"])


@operation("GetAccountSettings")
def get_account_settings(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_account_settings()
