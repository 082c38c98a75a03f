"""The context object a Python handler receives, with what AWS's runtime gives it.

Attributes and method as AWS's Python runtime interface client defines them
(``lambda_context.py``): the names read once from the environment variables (as strings:
``memory_limit_in_mb`` is ``"128"``), the request's id, deadline and invoked ARN, the
Cognito identity and the mobile client context. Imported by every execution environment.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # not typing's: the runtime process loads only what it uses
if TYPE_CHECKING:
    from typing import Any


class Identity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity_id: str | None = None, pool_id: str | None = None):
        self.cognito_identity_id = identity_id
        self.cognito_identity_pool_id = pool_id


class Client:
    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, data: dict[str, Any]):
        for name in self.__slots__:
            setattr(self, name, data.get(name))


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, data: dict[str, Any]):
        self.client = Client(data.get("client") or {})
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """The context object, with the attributes and method AWS's Python runtime gives it."""

    # Read once per environment, as the runtime does: these never change while it lives.
    _static: dict[str, Any] = {}
    function_name: str | None
    function_version: str | None
    memory_limit_in_mb: str | None
    log_group_name: str | None
    log_stream_name: str | None

    @classmethod
    def load_static(cls) -> None:
        env = os.environ
        cls._static = {
            "function_name": env.get("AWS_LAMBDA_FUNCTION_NAME"),
            "function_version": env.get("AWS_LAMBDA_FUNCTION_VERSION"),
            "memory_limit_in_mb": env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),  # a string, as in AWS
            "log_group_name": env.get("AWS_LAMBDA_LOG_GROUP_NAME"),
            "log_stream_name": env.get("AWS_LAMBDA_LOG_STREAM_NAME"),
        }

    def __init__(self, request_id: str, deadline_ms: int, invoked_arn: str, client_context: Any):
        self.__dict__.update(self._static)
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.identity = Identity()
        self.client_context = ClientContext(client_context) if client_context else None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, message: str) -> None:
        sys.stdout.write(message)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn}])"
        )
