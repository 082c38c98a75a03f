"""What ``lab.deploy`` does: create a function, or update the one that exists, in one call.

A notebook re-runs its deploy cell many times; each run must leave the function as the cell
says, whether it existed or not. Every step goes through the Lambda API's own operations
(CreateFunction, or UpdateFunctionCode then UpdateFunctionConfiguration), so the checks and
errors are AWS's. An update checks every setting before it touches the code, so a bad value
changes nothing; it waits out each transition, as ``aws lambda wait`` would between calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_lab.control.functions import Registry, check_settings
from lambda_lab.control.layers import LayerStore

# An operation of the Lambda API by name, with its parameters: ``LambdaRestApi.call``.
Call = Callable[[str, dict[str, Any]], Any]


def create_or_update(
    call: Call,
    functions: Registry,
    layers: LayerStore,
    settle: Callable[[str], None],
    name: str,
    zip_bytes: bytes,
    settings: dict[str, Any],
    *,
    role: str,
) -> None:
    """Make function ``name`` hold ``zip_bytes`` and ``settings`` (CreateFunction's names);
    ``role`` is the execution role of a new function that names none."""
    if name not in functions:
        settings.setdefault("Role", role)
        call("CreateFunction", {"FunctionName": name, "Code": {"ZipFile": zip_bytes}, **settings})
        return
    check_settings(functions.get(name), settings)
    if "Layers" in settings:
        layers.for_function(settings["Layers"], 0)
    settle(name)
    code_params: dict[str, Any] = {"FunctionName": name, "ZipFile": zip_bytes}
    if "Architectures" in settings:  # as on AWS: the architecture travels with the code
        code_params["Architectures"] = settings.pop("Architectures")
    call("UpdateFunctionCode", code_params)
    settle(name)
    if settings:
        call("UpdateFunctionConfiguration", {"FunctionName": name, **settings})
