"""What the Lab answers itself on its loopback AWS endpoint, ahead of moto.

Kept apart from :mod:`lambda_lab.aws.middleware`, which a Lab loads only when its endpoint
gets a first connection: every Lab makes one of these as it starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lambda_lab.aws.aws_request import AwsRequest
    from lambda_lab.aws.middleware import Hooks, LambdaApi, LogsReads


@dataclass(frozen=True)
class LabSide:
    """What the Lab answers itself on its endpoint, ahead of moto. Callables, so that the
    server thread holds no strong reference to the Lab."""

    is_open: Callable[[], bool]  # False once the Lab is closed: every request gets a 503
    lambda_api: Callable[[], LambdaApi]  # made on the first Lambda request
    logs_reads: LogsReads
    hooks: Callable[[], Hooks | None]  # the triggers and pollers (None before they exist)
    # CodeDeploy requests the Lab answers itself (hooks' status reports), None for moto's
    codedeploy: Callable[[AwsRequest], tuple[int, dict[str, str], bytes] | None] | None = None
