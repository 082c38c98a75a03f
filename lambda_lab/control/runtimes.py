"""Runtimes by date: AWS refuses a deprecated runtime at CreateFunction after its "block
function create" date, and refuses updates to functions that use it after "block function
update". The dates live in :data:`lambda_lab.limits.PYTHON_RUNTIME_DATES`."""

from __future__ import annotations

import datetime

from lambda_lab import errors, limits


def _refusal(runtime: str, today: datetime.date | None) -> errors.LambdaError:
    newest = (limits.runtimes_supported(today) or list(limits.PYTHON_RUNTIMES))[0]
    return errors.InvalidParameterValueException(
        f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
        f"Lambda functions. We recommend you use the new runtime ({newest}) while creating or "
        "updating functions."
    )


def check_create(runtime: str, today: datetime.date | None = None) -> None:
    """CreateFunction with ``runtime`` on ``today``: AWS's error once creation is blocked."""
    if limits.runtime_phase(runtime, today) in ("create blocked", "update blocked"):
        raise _refusal(runtime, today)


def check_update(runtime: str, today: datetime.date | None = None) -> None:
    """Updating a function whose runtime is ``runtime``: refused once updates are blocked."""
    if limits.runtime_phase(runtime, today) == "update blocked":
        raise _refusal(runtime, today)
