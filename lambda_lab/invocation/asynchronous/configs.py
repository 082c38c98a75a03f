"""Asynchronous invocation settings: Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s).

A function (per qualifier) may carry MaximumRetryAttempts (0-2), MaximumEventAgeInSeconds
(60-21600) and destinations for OnSuccess / OnFailure. Without a config, AWS's defaults
apply: 2 retries and 6 hours. Put replaces the whole config (what it leaves out is reset);
Update changes only what it names (facts section 1.3).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.aws.delivery import target_kind

if TYPE_CHECKING:
    from lambda_lab.clock import Clock
    from lambda_lab.control.functions import Registry
    from lambda_lab.control.versions import Versions

LATEST = "$LATEST"
_FIELDS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


@dataclass
class EventInvokeConfig:
    function_name: str
    qualifier: str = LATEST
    maximum_retry_attempts: int | None = None
    maximum_event_age_s: int | None = None
    on_success: str | None = None
    on_failure: str | None = None
    last_modified: float = 0.0
    explicit: bool = field(default=False, repr=False)  # set by Put/Update, not AWS's defaults

    @property
    def retries(self) -> int:
        if self.maximum_retry_attempts is None:
            return limits.ASYNC_RETRIES_DEFAULT
        return self.maximum_retry_attempts

    @property
    def max_age_s(self) -> int:
        if self.maximum_event_age_s is None:
            return limits.ASYNC_EVENT_AGE_DEFAULT_S
        return self.maximum_event_age_s

    def as_aws(self, function_arn: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "LastModified": self.last_modified,
            "FunctionArn": f"{function_arn}:{self.qualifier}",
            "DestinationConfig": {
                "OnSuccess": {"Destination": self.on_success} if self.on_success else {},
                "OnFailure": {"Destination": self.on_failure} if self.on_failure else {},
            },
        }
        if self.maximum_retry_attempts is not None:
            doc["MaximumRetryAttempts"] = self.maximum_retry_attempts
        if self.maximum_event_age_s is not None:
            doc["MaximumEventAgeInSeconds"] = self.maximum_event_age_s
        return doc


class EventInvokeConfigs:
    """The account's event invoke configs, keyed by (function, qualifier)."""

    def __init__(self, functions: Registry, versions: Versions, clock: Clock) -> None:
        self._functions = functions
        self._versions = versions
        self._clock = clock
        self._configs: dict[tuple[str, str], EventInvokeConfig] = {}
        self._lock = threading.Lock()

    def effective(self, function_name: str, qualifier: str = LATEST) -> EventInvokeConfig:
        """The config an event runs under: the stored one, or AWS's defaults."""
        with self._lock:
            found = self._configs.get((function_name, qualifier))
        return found if found is not None else EventInvokeConfig(function_name, qualifier)

    # -- the API operations -----------------------------------------------------------------
    def put(self, params: dict[str, Any]) -> dict[str, Any]:
        name, qualifier, arn = self._resolve(params)
        config = EventInvokeConfig(name, qualifier, explicit=True)
        self._apply(config, params)
        with self._lock:
            self._configs[(name, qualifier)] = config
        return config.as_aws(arn)

    def update(self, params: dict[str, Any]) -> dict[str, Any]:
        name, qualifier, arn = self._resolve(params)
        with self._lock:
            current = self._configs.get((name, qualifier))
        if current is None:
            raise self._missing(arn, qualifier)
        updated = EventInvokeConfig(**{**current.__dict__})
        self._apply(updated, params, keep_missing=True)
        with self._lock:
            self._configs[(name, qualifier)] = updated
        return updated.as_aws(arn)

    def get(self, params: dict[str, Any]) -> dict[str, Any]:
        name, qualifier, arn = self._resolve(params)
        with self._lock:
            found = self._configs.get((name, qualifier))
        if found is None:
            raise self._missing(arn, qualifier)
        return found.as_aws(arn)

    def delete(self, params: dict[str, Any]) -> None:
        name, qualifier, arn = self._resolve(params)
        with self._lock:
            if self._configs.pop((name, qualifier), None) is None:
                raise self._missing(arn, qualifier)

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        config = self._functions.get(params["FunctionName"])
        with self._lock:
            found = sorted(
                (c for (n, _), c in self._configs.items() if n == config.name),
                key=lambda c: c.qualifier,
            )
        start = int(params["Marker"]) if str(params.get("Marker", "")).isdigit() else 0
        size = int(params.get("MaxItems") or 50)
        if not 1 <= size <= 50:
            raise errors.range_violation("maxItems", size, 1, 50)
        page = [c.as_aws(config.arn) for c in found[start : start + size]]
        result: dict[str, Any] = {"FunctionEventInvokeConfigs": page}
        if start + size < len(found):
            result["NextMarker"] = str(start + size)
        return result

    # -- validation -------------------------------------------------------------------------
    def _resolve(self, params: dict[str, Any]) -> tuple[str, str, str]:
        name = str(params.get("FunctionName"))  # None: "None", a function that is not found
        config = self._functions.get(name)
        qualifier = self._versions.qualifier(name, params.get("Qualifier"))
        self._versions.resolve(
            config, name, qualifier, route=False
        )  # an unknown version or alias: 404
        return config.name, qualifier, config.arn

    @staticmethod
    def _missing(arn: str, qualifier: str) -> errors.LambdaError:
        return errors.ResourceNotFoundException(
            f"The function {arn}:{qualifier} doesn't have an EventInvokeConfig"
        )

    def _apply(
        self, config: EventInvokeConfig, params: dict[str, Any], keep_missing: bool = False
    ) -> None:
        unknown = sorted(set(params) - {"FunctionName", "Qualifier", *_FIELDS})
        if unknown:
            raise errors.InvalidParameterValueException(
                f"Unknown parameter(s): {', '.join(unknown)}; expected some of {', '.join(_FIELDS)}"
            )
        if "MaximumRetryAttempts" in params or not keep_missing:
            config.maximum_retry_attempts = _in_range(
                params.get("MaximumRetryAttempts"), "maximumRetryAttempts",
                limits.ASYNC_RETRIES_MIN, limits.ASYNC_RETRIES_MAX,
            )  # fmt: skip
        if "MaximumEventAgeInSeconds" in params or not keep_missing:
            config.maximum_event_age_s = _in_range(
                params.get("MaximumEventAgeInSeconds"), "maximumEventAgeInSeconds",
                limits.ASYNC_EVENT_AGE_MIN_S, limits.ASYNC_EVENT_AGE_MAX_S,
            )  # fmt: skip
        if "DestinationConfig" in params or not keep_missing:
            destinations = params.get("DestinationConfig") or {}
            if not isinstance(destinations, dict) or set(destinations) - {"OnSuccess", "OnFailure"}:
                raise errors.InvalidParameterValueException(
                    f"DestinationConfig must look like {{'OnSuccess': {{'Destination': arn}}, "
                    f"'OnFailure': {{'Destination': arn}}}} (got {destinations!r})"
                )
            for condition in ("OnSuccess", "OnFailure"):
                if keep_missing and condition not in destinations:
                    continue
                arn = (destinations.get(condition) or {}).get("Destination") or None
                target = _destination(condition, arn)
                if condition == "OnSuccess":
                    config.on_success = target
                else:
                    config.on_failure = target
        config.last_modified = self._clock.time()


def _in_range(value: Any, field_name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParameterValueException(
            f"{field_name} must be a whole number between {low} and {high} (got {value!r})"
        )
    if not low <= value <= high:
        raise errors.range_violation(field_name, value, low, high)
    return value


def _destination(condition: str, arn: str | None) -> str | None:
    if arn is None:
        return None
    try:
        kind = target_kind(arn)
    except ValueError as exc:
        raise errors.InvalidParameterValueException(
            f"The destination ARN {arn} is invalid: {exc}"
        ) from None
    if kind == "s3" and condition == "OnSuccess":
        raise errors.InvalidParameterValueException(
            f"The destination ARN {arn} is invalid: an S3 bucket can only be an OnFailure destination"
        )
    return arn
