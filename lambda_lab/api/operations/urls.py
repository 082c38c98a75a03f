"""Function URLs over the REST API: Create/Get/Update/Delete/ListFunctionUrlConfig(s).

The configurations and their loopback listeners live in the Lab's front doors
(:mod:`lambda_lab.control.url_configs`); these only hand the parsed input over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "create_function_url_config", "get_function_url_config", "update_function_url_config",
    "delete_function_url_config", "list_function_url_configs",
]  # fmt: skip

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


def create_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.create(params)


def get_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.get(params)


def update_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.update(params)


def delete_function_url_config(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.delete(params)


def list_function_url_configs(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    return lab.front_doors().function_urls.list(params)
