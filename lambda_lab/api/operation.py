"""The one convention for the Lambda operations the Lab answers.

An operation is a function in a family module of :mod:`lambda_lab.api.operations`,
registered under AWS's name with :func:`operation`::

    @operation("ListAliases", items="Aliases", page_cap=50)
    def list_aliases(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
        ...
        return {"Aliases": every_alias}

* **Declared parameters**: what an operation takes and answers is botocore's service model
  for Lambda (the file boto3, the AWS CLI and the SDKs are generated from), so routes,
  locations, names and status codes cannot drift from AWS's.
* **Validation**: :func:`run` checks the input against the model before the handler runs
  (:mod:`lambda_lab.api.validation`: required members, patterns, enums, ranges), with AWS's
  ValidationException wording. The handler checks AWS's own rules beyond the model.
* **Paging**: a list operation returns *every* item under ``items``; :func:`run` cuts the
  page from Marker and MaxItems with AWS's cap (:mod:`lambda_lab.api.paging`).
* **Errors**: the handler raises the classes of :mod:`lambda_lab.errors`; the REST layer
  turns them into AWS's body and headers.
* **Answers**: the handler returns the output members by AWS's names; members that are None
  are left out, as AWS leaves them out. ``StatusCode`` sets the HTTP status where the model
  puts it there (DeleteFunction's 204).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lambda_lab import errors
from lambda_lab.api import paging, validation
from lambda_lab.api.lambda_model import lambda_model

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

Handler = Callable[["Lab", dict[str, Any]], "dict[str, Any] | None"]
REQUEST_ID_KEY = "_RequestId"  # an answer may name its request id (Invoke: the invocation's)


@dataclass(frozen=True)
class Operation:
    name: str  # AWS's name, e.g. "GetFunction"
    handler: Handler
    items: str | None = None  # the list member a paged operation fills
    page_cap: int = 50  # AWS's most items per page, whatever MaxItems asks


OPERATIONS: dict[str, Operation] = {}
# The family (a module of lambda_lab.api.operations) of each operation ``lab.deploy`` runs: a
# fresh process's first deploy imports that module alone (all eight families: ~4 ms).
FAMILY_OF = {
    "CreateFunction": "functions",
    "UpdateFunctionCode": "functions",
    "UpdateFunctionConfiguration": "functions",
}


def operation(
    name: str, *, items: str | None = None, page_cap: int = 50
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the Lab's answer to the Lambda operation ``name``."""

    def register(handler: Handler) -> Handler:
        if name in OPERATIONS:
            raise RuntimeError(f"the Lambda operation {name} is registered twice")
        if name not in lambda_model().operation_names:
            raise RuntimeError(f"{name} is not an operation of botocore's Lambda model")
        OPERATIONS[name] = Operation(name, handler, items, page_cap)
        return handler

    return register


@functools.lru_cache(maxsize=1)
def service_model() -> Any:
    """botocore's model of Lambda (loaded once, from the private botocore session): for HTTP
    parsing and serialising. Validation and routing read the same file without botocore
    (:func:`lambda_lab.api.lambda_model.lambda_model`), which a fresh process loads far faster."""
    from lambda_lab.client import botocore_session

    return botocore_session().get_service_model("lambda")


def run(lab: Lab, name: str, params: dict[str, Any], *, strict: bool = False) -> dict[str, Any]:
    """Validate ``params``, run the operation and cut its page; returns the output members.

    ``strict`` (Python callers) also refuses members the model does not have, as botocore
    does before sending; over HTTP AWS ignores them.
    """
    found = OPERATIONS.get(name) or _register(name)
    if found is None:
        raise errors.UnsupportedOperation(
            f"The Lab does not offer the Lambda operation {name}; see `lambda-lab serve --help` "
            "for what it offers."
        )
    shape = lambda_model().operation_model(name).input_shape
    if strict and shape is not None:
        unknown = sorted(set(params) - set(shape.members))
        if unknown:
            raise errors.InvalidParameterValueException(
                f"Unknown parameter(s) in the {name} input: {', '.join(unknown)}; valid "
                f"parameters: {', '.join(shape.members)}"
            )
    validation.validate(shape, params)
    result = found.handler(lab, params) or {}
    if found.items is not None:
        page, next_marker = paging.page(
            result.get(found.items, []),
            params.get("Marker"),
            params.get("MaxItems"),
            found.page_cap,
        )
        result[found.items] = page
        result.pop("NextMarker", None)
        if next_marker is not None:
            result["NextMarker"] = next_marker
    return {k: v for k, v in result.items() if v is not None}


def _register(name: str) -> Operation | None:
    """Import the family of the operation ``name`` (:data:`FAMILY_OF`; every family for the
    others) and return the operation, None if no family has it."""
    family = FAMILY_OF.get(name)
    if family is not None:
        importlib.import_module(f"lambda_lab.api.operations.{family}")
    else:
        from lambda_lab.api import operations

        operations.load_all()
    return OPERATIONS.get(name)


def call(lab: Lab, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run an operation from Python (``lab.deploy``, ``LambdaRestApi.call``): the same
    validation and paging as over HTTP, strict about unknown members, without the REST
    layer's imports (a fresh process's first deploy needs none of HTTP)."""
    result = run(lab, name, dict(params), strict=True)
    result.pop(REQUEST_ID_KEY, None)
    return result
