"""AWS Lambda's service errors: one class per error code, declared here and only here.

The Lab raises these; the REST layer turns each into AWS's JSON body with the
``x-amzn-ErrorType`` and ``x-amzn-RequestId`` headers, so boto3, the AWS CLI and the
JavaScript SDK raise their own exception for it. Each class says what AWS sends:

* ``status``: the HTTP status code;
* ``sender``: the ``Type`` member (``User`` or ``Service``), or None where AWS sends none
  (errors botocore's model does not declare, such as ValidationException);
* ``message_key``: ``Message`` or ``message``, spelled as botocore's model spells that error's
  member (ResourceNotFoundException has ``Message``, InvalidParameterValueException ``message``).

:data:`ALL_ERRORS` (code -> class) is built from the classes below. The constraint helpers at
the end write AWS's validation wording ("1 validation error detected: Value ... at ...").
"""

from __future__ import annotations

from typing import Any, ClassVar


class LambdaError(Exception):
    """An error the Lambda service answers with: a code, an HTTP status and a message."""

    code: ClassVar[str] = "ServiceException"
    status: ClassVar[int] = 500
    sender: ClassVar[str | None] = "User"
    message_key: ClassVar[str] = "message"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = cls.__dict__.get("code", cls.__name__)

    def __init__(self, message: str | None, **members: Any) -> None:
        super().__init__(message)
        self.message = message
        self.members = members

    def body(self) -> dict[str, Any]:
        """The JSON body AWS sends for this error."""
        doc: dict[str, Any] = {} if self.sender is None else {"Type": self.sender}
        doc[self.message_key] = self.message
        return {**doc, **self.members}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# -- errors in botocore's model (members Type + Message/message) ------------------------------
class ServiceException(LambdaError):
    """500: a failure inside the service (in the Lab: a bug of ours, never a traceback)."""

    status = 500
    sender = "Service"
    message_key = "Message"


class ResourceNotFoundException(LambdaError):
    status = 404
    message_key = "Message"


class InvalidParameterValueException(LambdaError):
    status = 400


class InvalidRequestContentException(LambdaError):
    status = 400


class RequestTooLargeException(LambdaError):
    status = 413


class UnsupportedMediaTypeException(LambdaError):
    status = 415


class ResourceConflictException(LambdaError):
    status = 409


class PreconditionFailedException(LambdaError):
    status = 412


class TooManyRequestsException(LambdaError):
    """429 with ``Reason`` and ``retryAfterSeconds`` (and the Retry-After header)."""

    status = 429


class PolicyLengthExceededException(LambdaError):
    status = 400


class ProvisionedConcurrencyConfigNotFoundException(LambdaError):
    status = 404


class CodeArtifactUserPendingException(LambdaError):
    """409 for an invoke of a function that is being restored from Inactive (OBSERVED:
    boto/boto3#3788, "ERROR: Lambda is initializing your function...")."""

    status = 409


class ResourceNotReadyException(LambdaError):
    status = 502


class InvalidZipFileException(LambdaError):
    status = 502
    message_key = "Message"


# -- errors AWS sends that botocore's Lambda model does not declare ----------------------------
class ValidationException(LambdaError):
    """400 from AWS's request validation (patterns, enums, ranges); body ``{"message": ...}``."""

    status = 400
    sender = None


class RequestEntityTooLargeException(LambdaError):
    """413 that AWS actually sends for an oversized Invoke or CreateFunction body (observed
    in boto3 and Java SDK reports); boto3 has no class for it and raises ClientError."""

    status = 413
    sender = None


class AccessDeniedException(LambdaError):
    """403 for a function ARN of another account (recorded: no message at all)."""

    status = 403
    sender = None
    message_key = "Message"


class UnsupportedOperation(LambdaError):
    """The Lab's own answer for an operation AWS has but the Lab does not offer (yet)."""

    status = 501


def _declared(base: type[LambdaError]) -> list[type[LambdaError]]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_declared(cls)]
    return found


ALL_ERRORS: dict[str, type[LambdaError]] = {cls.code: cls for cls in _declared(LambdaError)}


# -- shortcuts with AWS's wording ----------------------------------------------------------------
def throttled(reason: str, retry_after_s: int = 1) -> LambdaError:
    """A 429 with AWS's Reason member (see limits of concurrency)."""
    return TooManyRequestsException(
        "Rate Exceeded.", Reason=reason, retryAfterSeconds=str(retry_after_s)
    )


def function_not_found(arn: str) -> LambdaError:
    return ResourceNotFoundException(f"Function not found: {arn}")


def java_text(value: Any) -> str:
    """A value as AWS's validation messages print it (Java's toString: [a, b], {k=v}, true)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_text(k)}={java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return "java.nio.HeapByteBuffer"
    return str(value)


def violation(field: str, value: Any, rule: str) -> str:
    """One constraint violation as AWS words it: ``Value 'x' at 'field' failed to satisfy ...``."""
    shown = "null" if value is None else f"'{java_text(value)}'"
    return f"Value {shown} at '{field}' failed to satisfy constraint: {rule}"


def validation_error(violations: list[str]) -> ValidationException:
    """ValidationException listing every violation, as AWS lists them."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return ValidationException(f"{count} validation {noun} detected: " + "; ".join(violations))


def range_rule(value: Any, low: float | None, high: float | None) -> str | None:
    """AWS's rule text for a number outside [low, high], or None when it is inside."""
    if low is not None and value < low:
        return f"Member must have value greater than or equal to {low}"
    if high is not None and value > high:
        return f"Member must have value less than or equal to {high}"
    return None


def range_violation(field: str, value: Any, low: int | None, high: int | None) -> LambdaError:
    """ValidationException for a number out of its range (the caller knows it is out)."""
    rule = range_rule(value, low, high) or f"Member must have value less than or equal to {high}"
    return validation_error([violation(field, value, rule)])


def check_range(field: str, value: Any, low: int | None, high: int | None) -> int:
    """The one range validator: a whole number within [low, high], or AWS's error for it.

    ``field`` is the wire name AWS prints (``memorySize``, ``ephemeralStorage.size``).
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterValueException(
            f"{field} must be a whole number"
            + (f" between {low} and {high}" if low is not None and high is not None else "")
            + f" (got {value!r})"
        )
    rule = range_rule(value, low, high)
    if rule is not None:
        raise validation_error([violation(field, value, rule)])
    return value
