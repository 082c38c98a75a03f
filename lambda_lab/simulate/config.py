"""What the simulator is told: function configurations and the account around them.

The names and bounds are Lambda's own (``lambda_lab.limits``); a bad value raises the
error AWS would answer with (``lambda_lab.errors``), naming the field, what was expected
and what came.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lambda_lab import errors, limits
from lambda_lab.concurrency import admission
from lambda_lab.simulate.timing import TimingModel, as_model

SYNC = "RequestResponse"
ASYNC = "Event"
INVOCATION_TYPES = (SYNC, ASYNC)


def _int_in_range(owner: str, name: str, value: object, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParameterValueException(
            f"{owner}: '{name}' must be an integer (got {value!r})"
        )
    if value < low or (high is not None and value > high):
        bounds = f"in range {low}..{high}" if high is not None else f">= {low}"
        raise errors.InvalidParameterValueException(
            f"{owner}: '{name}' must be {bounds} (got {value})"
        )
    return value


@dataclass(frozen=True)
class FunctionConfig:
    """One function as the simulator sees it.

    ``duration`` and ``cold_start`` are milliseconds or a timing model (see ``timing``);
    ``cold_start`` is the Init Duration an on-demand environment pays once.
    ``reserved_concurrency`` None means the function shares the account's unreserved pool.
    """

    name: str
    memory_mb: int = limits.MEMORY_DEFAULT_MB
    timeout_s: int = limits.TIMEOUT_DEFAULT_S
    duration: TimingModel | float = 100.0
    cold_start: TimingModel | float = 250.0
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0
    architecture: str = limits.DEFAULT_ARCHITECTURE
    ephemeral_storage_mb: int = limits.EPHEMERAL_DEFAULT_MB
    maximum_retry_attempts: int = limits.ASYNC_RETRIES_DEFAULT
    maximum_event_age_s: int = limits.ASYNC_EVENT_AGE_DEFAULT_S

    def __post_init__(self) -> None:
        if (
            not isinstance(self.name, str)
            or not re.fullmatch(limits.FUNCTION_NAME_PATTERN, self.name)
            or len(self.name) > limits.FUNCTION_NAME_MAX_CHARS
        ):
            raise errors.InvalidParameterValueException(
                f"FunctionConfig: 'name' must match {limits.FUNCTION_NAME_PATTERN} and be at "
                f"most {limits.FUNCTION_NAME_MAX_CHARS} characters (got {self.name!r})"
            )
        owner = f"function {self.name!r}"
        _int_in_range(
            owner, "memory_mb", self.memory_mb, limits.MEMORY_MIN_MB, limits.MEMORY_MAX_MB
        )
        _int_in_range(
            owner, "timeout_s", self.timeout_s, limits.TIMEOUT_MIN_S, limits.TIMEOUT_MAX_S
        )
        _int_in_range(
            owner,
            "ephemeral_storage_mb",
            self.ephemeral_storage_mb,
            limits.EPHEMERAL_MIN_MB,
            limits.EPHEMERAL_MAX_MB,
        )
        _int_in_range(
            owner,
            "maximum_retry_attempts",
            self.maximum_retry_attempts,
            limits.ASYNC_RETRIES_MIN,
            limits.ASYNC_RETRIES_MAX,
        )
        _int_in_range(
            owner,
            "maximum_event_age_s",
            self.maximum_event_age_s,
            limits.ASYNC_EVENT_AGE_MIN_S,
            limits.ASYNC_EVENT_AGE_MAX_S,
        )
        if self.architecture not in limits.ARCHITECTURES:
            raise errors.InvalidParameterValueException(
                f"{owner}: 'architecture' must be one of {', '.join(limits.ARCHITECTURES)} "
                f"(got {self.architecture!r})"
            )
        if self.reserved_concurrency is not None:
            _int_in_range(owner, "reserved_concurrency", self.reserved_concurrency, 0, None)
        _int_in_range(owner, "provisioned_concurrency", self.provisioned_concurrency, 0, None)
        if (
            self.reserved_concurrency is not None
            and self.provisioned_concurrency > self.reserved_concurrency
        ):
            raise errors.InvalidParameterValueException(
                f"{owner}: 'provisioned_concurrency' ({self.provisioned_concurrency}) cannot be "
                f"more than its reserved concurrency ({self.reserved_concurrency})"
            )
        try:
            object.__setattr__(self, "duration", as_model(self.duration, owner, "duration"))
            object.__setattr__(self, "cold_start", as_model(self.cold_start, owner, "cold_start"))
        except (TypeError, ValueError) as error:
            raise errors.InvalidParameterValueException(str(error)) from None

    @property
    def dedicated_concurrency(self) -> int:
        """What this function takes out of the account pool for itself alone.

        Reserved concurrency is set aside whole; without it, provisioned concurrency is
        (it counts towards the Regional quota and cannot be lent to others).
        """
        return admission.dedicated_concurrency(
            self.reserved_concurrency, self.provisioned_concurrency
        )


@dataclass(frozen=True)
class Account:
    """The account's concurrency limit and the platform's scaling and keep-alive knobs."""

    concurrency_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT
    scaling_rate_environments: int = limits.SCALING_RATE_ENVIRONMENTS
    scaling_rate_period_s: float = limits.SCALING_RATE_PERIOD_S
    keep_alive_s: float = limits.IDLE_ENVIRONMENT_KEEP_ALIVE_S
    functions: tuple[FunctionConfig, ...] = field(default=())

    def __post_init__(self) -> None:
        _int_in_range("account", "concurrency_limit", self.concurrency_limit, 1, None)
        _int_in_range(
            "account", "scaling_rate_environments", self.scaling_rate_environments, 1, None
        )
        for name in ("scaling_rate_period_s", "keep_alive_s"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (math.isfinite(value) and value > 0)
            ):
                raise errors.InvalidParameterValueException(
                    f"account: '{name}' must be a number of seconds > 0 (got {value!r})"
                )
        object.__setattr__(self, "functions", tuple(_check_functions(self.functions)))
        dedicated = sum(f.dedicated_concurrency for f in self.functions)
        detail = ", ".join(
            f"{f.name}={f.dedicated_concurrency}" for f in self.functions if f.dedicated_concurrency
        )
        admission.check_set_aside(self.concurrency_limit, dedicated, detail)

    @property
    def unreserved_concurrency(self) -> int:
        """The pool shared by every function without reserved concurrency."""
        return self.concurrency_limit - sum(f.dedicated_concurrency for f in self.functions)

    @property
    def scaling_rate_per_s(self) -> float:
        return self.scaling_rate_environments / self.scaling_rate_period_s

    def function(self, name: str) -> FunctionConfig:
        for config in self.functions:
            if config.name == name:
                return config
        raise errors.ResourceNotFoundException(
            f"Function not found: {name!r} (configured: "
            f"{', '.join(f.name for f in self.functions) or 'none'})",
        )


def _check_functions(functions: Iterable[FunctionConfig]) -> list[FunctionConfig]:
    seen: set[str] = set()
    checked = []
    for config in functions:
        if not isinstance(config, FunctionConfig):
            raise errors.InvalidParameterValueException(
                f"account: 'functions' must hold FunctionConfig objects (got {config!r})"
            )
        if config.name in seen:
            raise errors.ResourceConflictException(f"Function already exist: {config.name}")
        seen.add(config.name)
        checked.append(config)
    return checked
