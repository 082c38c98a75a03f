"""Function URLs over the REST API: Create/Get/Update/Delete/ListFunctionUrlConfig(s).

The configurations and their loopback listeners live in
:class:`lambda_lab.control.url_configs.FunctionUrlConfigs` (the Lab's front doors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_lab.api.operation import operation

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


@operation("CreateFunctionUrlConfig")
def create_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.create(params)


@operation("GetFunctionUrlConfig")
def get_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.get(params)


@operation("UpdateFunctionUrlConfig")
def update_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.update(params)


@operation("DeleteFunctionUrlConfig")
def delete_function_url_config(lab: Lab, params: dict[str, Any]) -> None:
    lab.front_doors().function_urls.delete(params)


@operation("ListFunctionUrlConfigs", items="FunctionUrlConfigs")
def list_function_url_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return {"FunctionUrlConfigs": lab.front_doors().function_urls.list(params)}
