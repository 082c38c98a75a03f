"""Function URLs that anyone may call, as AWS requires them since October 2025.

A URL with AuthType NONE answers 403 until the function's resource policy lets everyone
call ``lambda:InvokeFunctionUrl`` and ``lambda:InvokeFunction`` (through the URL). The
console adds both statements; through the API the caller adds them, as here.
"""

from __future__ import annotations

from typing import Any


def allow_public_url(client: Any, function_name: str, qualifier: str | None = None) -> None:
    """Add the two statements a public (AuthType NONE) function URL needs."""
    target: dict[str, Any] = {"FunctionName": function_name}
    if qualifier:
        target["Qualifier"] = qualifier
    client.add_permission(
        **target,
        StatementId="FunctionURLAllowPublicAccess",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    client.add_permission(
        **target,
        StatementId="FunctionURLInvokeAllowPublicAccess",
        Action="lambda:InvokeFunction",
        Principal="*",
        InvokedViaFunctionUrl=True,
    )


def public_url(client: Any, function_name: str, **options: Any) -> dict[str, Any]:
    """CreateFunctionUrlConfig with AuthType NONE, and the permissions that make it answer."""
    created = client.create_function_url_config(
        FunctionName=function_name, AuthType="NONE", **options
    )
    allow_public_url(client, function_name, options.get("Qualifier"))
    return created
