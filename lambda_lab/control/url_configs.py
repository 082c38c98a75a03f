"""Function URL configurations: Create/Get/Update/Delete/ListFunctionUrlConfig(s).

Each configuration is a :class:`FunctionUrl` served on its own loopback listener, so the
``FunctionUrl`` the operation returns really answers: ``http://127.0.0.1:<port>/`` here,
where AWS gives ``https://<url-id>.lambda-url.<region>.on.aws/``. The loopback address is
what code in the kernel (boto3, requests, curl) can reach wherever the Lab runs; a
learner's browser behind JupyterHub or Binder uses the door's proxied ``url`` instead.
"""

from __future__ import annotations

import builtins
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.control import arns
from lambda_lab.control.versions import LATEST
from lambda_lab.http.common import FrontDoorConfigError, Invoke
from lambda_lab.http.function_urls import FunctionUrl
from lambda_lab.http.served import ServedDoor

if TYPE_CHECKING:
    from lambda_lab.control.functions import FunctionConfig, Registry
    from lambda_lab.control.permissions import Policies
    from lambda_lab.control.versions import Versions

# botocore's FunctionUrlQualifier: an alias name; version numbers (all digits) do not match.
_QUALIFIER = re.compile(r"(?!\d+\Z)[0-9a-zA-Z_-]{1,128}\Z")
_CORS_KEYS = (
    "AllowCredentials", "AllowHeaders", "AllowMethods", "AllowOrigins", "ExposeHeaders", "MaxAge",
)  # fmt: skip
_Key = tuple[str, str | None]  # (function name, alias or None)
NO_FUNCTION = "Function does not exist"  # Create, Update and List (recorded)
NO_URL = "The resource you requested does not exist."  # Get and Delete (recorded)


class FunctionUrlConfigs:
    """The account's function URLs; thread-safe. Closing it stops every listener."""

    def __init__(
        self,
        *,
        functions: Registry,
        versions: Versions,
        policies: Policies,
        invoke: Invoke,
        now: Callable[[], float],
        region: str,
        account_id: str,
        closed: Callable[[], bool] = lambda: False,
        streamed: Callable[[str], Any] | None = None,
    ) -> None:
        self._functions = functions
        self._versions = versions
        self._policies = policies
        self._invoke = invoke
        self._now = now
        self._region, self._account_id = region, account_id
        self._closed = closed
        self._streamed = streamed
        self._served: dict[_Key, tuple[FunctionConfig, ServedDoor]] = {}
        self._lock = threading.Lock()

    # -- the operations (AWS member names in, AWS shapes out) -----------------------------------
    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        if self._closed():
            raise errors.ServiceException("this Lab is closed: it serves no function URLs")
        config, qualifier = self._target(params, NO_FUNCTION)
        auth_type = params.get("AuthType")
        if auth_type is None:
            raise errors.validation_error(
                [errors.violation("authType", None, "Member must not be null")]
            )
        with self._lock:
            self._forget_replaced()
            if (config.name, qualifier) in self._served:
                arn = config.arn + (f":{qualifier}" if qualifier else "")
                raise errors.ResourceConflictException(
                    f"Failed to create function url config for [functionArn = {arn}]. "
                    "Error message:  FunctionUrlConfig exists for this Lambda function"
                )
            resource = (config.name, qualifier or LATEST)
            door = _aws_errors(
                lambda: FunctionUrl(
                    config.name,
                    self._invoke,
                    qualifier,
                    auth_type=auth_type,
                    invoke_mode=params.get("InvokeMode") or "BUFFERED",
                    region=self._region,
                    account_id=self._account_id,
                    now=self._now,
                    cors=_checked_cors(params.get("Cors")),
                    statements=lambda: self._policies.statements(*resource),
                    streamed=self._streamed,
                )
            )
            served = ServedDoor(door)
            self._served[(config.name, qualifier)] = (config, served)
        # CreateFunctionUrlConfig answers no LastModifiedTime, and InvokeMode only if given.
        return _shape(served, invoke_mode=params.get("InvokeMode"), modified=False)

    def get(self, params: dict[str, Any]) -> dict[str, Any]:
        return _shape(self.served(params))

    def update(self, params: dict[str, Any]) -> dict[str, Any]:
        self._target(params, NO_FUNCTION)
        served = self.served(params)
        door: FunctionUrl = served.door  # type: ignore[assignment]
        cors = params.get("Cors")
        _aws_errors(
            lambda: door.update(
                params.get("AuthType"),
                params.get("InvokeMode"),
                None if cors is None else _checked_cors(cors) or {},
            )
        )
        return _shape(served, invoke_mode=params.get("InvokeMode"))

    def delete(self, params: dict[str, Any]) -> dict[str, Any]:
        config, qualifier = self._target(params, NO_URL)
        with self._lock:
            self._forget_replaced()
            found = self._served.pop((config.name, qualifier), None)
        if found is None:
            raise errors.ResourceNotFoundException(NO_URL)
        found[1].close()
        return {}

    def list(self, params: dict[str, Any]) -> builtins.list[dict[str, Any]]:
        """Every URL of the function (the API layer pages them)."""
        config = self._existing(params["FunctionName"], NO_FUNCTION)
        with self._lock:
            self._forget_replaced()
            mine = [door for (name, _), (_, door) in self._served.items() if name == config.name]
        return [_shape(served) for served in mine]

    # -- for the Lab and its lessons ---------------------------------------------------------------
    def served(self, params: dict[str, Any]) -> ServedDoor:
        """The door of one function URL (``FunctionName`` and optional ``Qualifier``)."""
        config, qualifier = self._target(params, NO_URL)
        with self._lock:
            self._forget_replaced()
            found = self._served.get((config.name, qualifier))
        if found is None:
            raise errors.ResourceNotFoundException(NO_URL)
        return found[1]

    def doors(self) -> builtins.list[ServedDoor]:
        with self._lock:
            self._forget_replaced()
            return [served for _, served in self._served.values()]

    def close(self) -> None:
        with self._lock:
            doors = [served for _, served in self._served.values()]
            self._served.clear()
        for served in doors:
            served.close()

    # -- helpers ----------------------------------------------------------------------------------
    def _existing(self, name: str, missing: str) -> FunctionConfig:
        try:
            return self._functions.get(name)
        except errors.ResourceNotFoundException:
            raise errors.ResourceNotFoundException(missing) from None

    def _target(self, params: dict[str, Any], missing: str) -> tuple[FunctionConfig, str | None]:
        """The function and alias an operation names; a function URL's qualifier is an alias."""
        name = params.get("FunctionName")
        if not name:
            raise errors.validation_error(
                [errors.violation("functionName", None, "Member must not be null")]
            )
        qualifier = arns.qualifier_of(name, params.get("Qualifier"))
        if qualifier is not None and not _QUALIFIER.match(qualifier):
            raise errors.validation_error(
                [
                    errors.violation(
                        "qualifier",
                        qualifier,
                        r"Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)",
                    )
                ]
            )
        config = self._existing(name, missing)
        if qualifier is None:
            return config, None
        if not self._versions.is_alias(config.name, qualifier):
            raise errors.ResourceNotFoundException(missing)
        return config, qualifier

    def _forget_replaced(self) -> None:
        """AWS deletes a function's URLs with the function: drop those whose function is gone
        or was deleted and created again (its URL id would be new). Call with the lock held."""
        for key, (config, served) in list(self._served.items()):
            if key[0] not in self._functions or self._functions.get(key[0]) is not config:
                del self._served[key]
                served.close()


def _shape(
    served: ServedDoor, invoke_mode: str | None = "", modified: bool = True
) -> dict[str, Any]:
    """A FunctionUrlConfig with the URL that answers here. Get and List always show InvokeMode;
    Create and Update show it only when the request gave it (``invoke_mode`` None)."""
    door: FunctionUrl = served.door  # type: ignore[assignment]
    shown = {**door.config(), "FunctionUrl": served.local_url}
    if invoke_mode is None:
        del shown["InvokeMode"]
    if not modified:
        del shown["LastModifiedTime"]
    return shown


def _checked_cors(cors: Any) -> dict[str, Any] | None:
    if cors is None:
        return None
    if not isinstance(cors, dict) or set(cors) - set(_CORS_KEYS):
        raise errors.InvalidParameterValueException(
            f"Cors must be an object with the keys {', '.join(_CORS_KEYS)} (got {cors!r})"
        )
    max_age = cors.get("MaxAge", 0)
    if not isinstance(max_age, int) or not 0 <= max_age <= limits.FUNCTION_URL_CORS_MAX_AGE_S:
        raise errors.range_violation("cors.maxAge", max_age, 0, limits.FUNCTION_URL_CORS_MAX_AGE_S)
    methods = cors.get("AllowMethods") or []
    if len(methods) > limits.FUNCTION_URL_CORS_METHODS_MAX:
        raise errors.ValidationException(
            f"1 validation error detected: Value '{methods}' at 'cors.allowMethods' failed to "
            f"satisfy constraint: Member must have length less than or equal to "
            f"{limits.FUNCTION_URL_CORS_METHODS_MAX}"
        )
    return dict(cors)


def _aws_errors(make: Callable[[], Any]) -> Any:
    """Run ``make``; a front door's configuration error becomes the AWS error it names."""
    try:
        return make()
    except FrontDoorConfigError as exc:
        error_class = errors.ALL_ERRORS.get(exc.code, errors.InvalidParameterValueException)
        raise error_class(str(exc)) from None
