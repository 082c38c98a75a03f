"""AWS Lambda's service errors, one class per error code (the shape moto and botocore use).

The Lab's Python API raises these; the REST layer turns them into AWS's JSON error body
with the ``x-amzn-ErrorType`` header, so that boto3 and the AWS CLI raise their own
``client.exceptions.<Code>`` for them.
"""

from __future__ import annotations

from typing import Any


class LambdaError(Exception):
    """An error the Lambda service answers with: a code, an HTTP status and a message."""

    code = "ServiceException"
    status = 500
    error_type_header = "Service"  # the "Type" member: User or Service

    def __init__(self, message: str, **members: Any) -> None:
        super().__init__(message)
        self.message = message
        self.members = members

    def body(self) -> dict[str, Any]:
        """The JSON body AWS sends for this error."""
        return {"Type": self.error_type_header, "message": self.message, **self.members}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _user_error(code: str, status: int) -> type[LambdaError]:
    return type(code, (LambdaError,), {"code": code, "status": status, "error_type_header": "User"})


ValidationException = _user_error("ValidationException", 400)
InvalidParameterValueException = _user_error("InvalidParameterValueException", 400)
InvalidRequestContentException = _user_error("InvalidRequestContentException", 400)
RequestTooLargeException = _user_error("RequestTooLargeException", 413)
# What AWS actually sends for an oversized Invoke or CreateFunction body (observed in
# boto3 and Java SDK reports); boto3 has no class for it and raises a plain ClientError.
RequestEntityTooLargeException = _user_error("RequestEntityTooLargeException", 413)
UnsupportedMediaTypeException = _user_error("UnsupportedMediaTypeException", 415)
ResourceNotFoundException = _user_error("ResourceNotFoundException", 404)
ResourceConflictException = _user_error("ResourceConflictException", 409)
PreconditionFailedException = _user_error("PreconditionFailedException", 412)
TooManyRequestsException = _user_error("TooManyRequestsException", 429)
InvalidZipFileException = _user_error("InvalidZipFileException", 502)
# What the Lab answers for an operation AWS has but the Lab does not offer (yet).
UnsupportedOperation = _user_error("UnsupportedOperation", 501)
ServiceException = LambdaError


def throttled(reason: str, retry_after_s: int = 1) -> LambdaError:
    """A 429 with AWS's Reason member (see limits of concurrency)."""
    return TooManyRequestsException(
        "Rate Exceeded.", Reason=reason, retryAfterSeconds=str(retry_after_s)
    )


def function_not_found(arn: str) -> LambdaError:
    return ResourceNotFoundException(f"Function not found: {arn}")


def range_violation(field: str, value: Any, low: int | None, high: int | None) -> LambdaError:
    """AWS's wording for a number out of its range (Coral validation)."""
    if low is not None and value < low:
        rule = f"Member must have value greater than or equal to {low}"
    else:
        rule = f"Member must have value less than or equal to {high}"
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {rule}"
    )


ALL_ERRORS: dict[str, type[LambdaError]] = {
    cls.code: cls
    for cls in (
        ValidationException,
        InvalidParameterValueException,
        InvalidRequestContentException,
        RequestTooLargeException,
        RequestEntityTooLargeException,
        UnsupportedMediaTypeException,
        ResourceNotFoundException,
        ResourceConflictException,
        PreconditionFailedException,
        TooManyRequestsException,
        InvalidZipFileException,
        UnsupportedOperation,
    )
}
