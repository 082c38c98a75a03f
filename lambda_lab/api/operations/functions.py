"""Function CRUD, reserved concurrency, account settings and Invoke over the REST API.

Each takes the Lab and the operation's input (AWS member names, already parsed by
rest.py) and returns the output members. The REST layer finds them by name
(``GetFunction`` -> ``get_function``); an operation missing here answers an AWS-style
"unsupported" error instead of a crash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab import errors

__all__ = [
    "create_function", "get_function", "get_function_configuration", "list_functions",
    "update_function_code", "update_function_configuration", "delete_function",
    "put_function_concurrency", "get_function_concurrency", "delete_function_concurrency",
    "get_account_settings", "invoke",
]  # fmt: skip

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


def create_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.create_function(params)


def get_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_function(params["FunctionName"], params.get("Qualifier"))


def get_function_configuration(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_function_configuration(params["FunctionName"], params.get("Qualifier"))


def list_functions(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.list_functions(params.get("Marker"), params.get("MaxItems"))


def update_function_code(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    name = params.pop("FunctionName")
    return lab.service.update_function_code(name, params)


def update_function_configuration(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    name = params.pop("FunctionName")
    return lab.service.update_function_configuration(name, params)


def delete_function(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.service.delete_function(params["FunctionName"], params.get("Qualifier"))
    return {}


def put_function_concurrency(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.put_function_concurrency(params["FunctionName"], params)


def get_function_concurrency(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_function_concurrency(params["FunctionName"])


def delete_function_concurrency(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    lab.service.delete_function_concurrency(params["FunctionName"])
    return {}


def get_account_settings(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.service.get_account_settings()


def invoke(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    invocation_type = params.get("InvocationType", "RequestResponse")
    payload = params.get("Payload") or b""
    name = params["FunctionName"]
    if invocation_type == "DryRun":
        config = lab.functions.get(name)
        lab.versions.resolve(config, name, params.get("Qualifier"))
        return {"StatusCode": 204}
    if invocation_type == "Event":
        return lab.invoke_async(name, payload, qualifier=params.get("Qualifier"))
    if invocation_type != "RequestResponse":
        raise errors.InvalidParameterValueException(
            f"InvocationType must be RequestResponse, Event or DryRun (got {invocation_type!r})"
        )
    result = lab.invoke(
        name,
        payload=payload,
        qualifier=params.get("Qualifier"),
        log_type=params.get("LogType", "None"),
        client_context=params.get("ClientContext"),
    )
    return {
        "StatusCode": result.status_code,
        "FunctionError": result.function_error,
        "LogResult": result.log_result,
        "ExecutedVersion": result.executed_version,
        "Payload": result.payload,
        "_RequestId": result.request_id,
    }
