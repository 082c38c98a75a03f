"""Invoke and InvokeWithResponseStream over the REST API.

Unlike ``lab.invoke`` (a notebook's short form, which waits for a function's transition as
``aws lambda wait`` would), these answer as AWS does: a Pending function is a
ResourceConflictException, and during an update the previous code runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lambda_lab import errors, limits
from lambda_lab.api import eventstream
from lambda_lab.api.operation import REQUEST_ID_KEY, operation
from lambda_lab.control import arns
from lambda_lab.control.versions import LATEST
from lambda_lab.invocation.sync import invoke_sync

if TYPE_CHECKING:
    from lambda_lab.lab import Lab


def _invocable(lab: Lab, name: str, qualifier: str | None) -> None:
    """AWS's not-found (qualified, ``:$LATEST`` when none was given) and state errors."""
    config = lab.functions.get(name, arns.qualifier_of(name, qualifier) or LATEST)
    version, _ = lab.versions.resolve(config, name, qualifier, route=False)
    lab.lifecycle.check_invoke(config.name, version)


@operation("Invoke")
def invoke(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    name, qualifier = params["FunctionName"], params.get("Qualifier")
    invocation_type = params.get("InvocationType") or "RequestResponse"
    payload = params.get("Payload") or b""
    _invocable(lab, name, qualifier)
    if invocation_type == "DryRun":
        return {"StatusCode": 204}
    if invocation_type == "Event":
        queued = lab.async_queue.invoke(name, payload, qualifier=qualifier)
        return {"StatusCode": 202, REQUEST_ID_KEY: queued.request_id}
    result = invoke_sync(
        lab,
        name,
        payload,
        qualifier=qualifier,
        log_type=params.get("LogType") or "None",
        client_context=params.get("ClientContext"),
    )
    return {
        "StatusCode": result.status_code,
        "FunctionError": result.function_error,
        "LogResult": result.log_result,
        "ExecutedVersion": result.executed_version,
        "Payload": result.payload,
        REQUEST_ID_KEY: result.request_id,
    }


@operation("InvokeWithResponseStream")
def invoke_with_response_stream(lab: Lab, params: dict[str, Any]) -> dict[str, Any]:
    """The response as events: PayloadChunk(s), then InvokeComplete (with any error and the
    log tail). A function that does not stream answers in one chunk."""
    name, qualifier = params["FunctionName"], params.get("Qualifier")
    _invocable(lab, name, qualifier)
    if (params.get("InvocationType") or "RequestResponse") == "DryRun":
        return {"StatusCode": 204}
    result = invoke_sync(
        lab,
        name,
        params.get("Payload") or b"",
        qualifier=qualifier,
        log_type=params.get("LogType") or "None",
        client_context=params.get("ClientContext"),
    )
    from lambda_lab.api import runtime_api  # its HTTP server loads only for a stream

    stream = runtime_api.streamed(result.request_id)
    complete: dict[str, Any] = {"LogResult": result.log_result}
    if stream is not None:
        chunks = stream.chunks
        if stream.error_type:
            complete.update(ErrorCode=stream.error_type, ErrorDetails=stream.error_body)
    elif result.function_error:
        chunks = []
        doc = _json(result.payload)
        complete.update(
            ErrorCode=str(doc.get("errorType", result.function_error)),
            ErrorDetails=str(doc.get("errorMessage", result.payload.decode(errors="replace"))),
        )
    else:
        chunks = [result.payload] if result.payload else []
    if sum(map(len, chunks)) > limits.STREAMED_RESPONSE_MAX_BYTES:  # the runtime API stops it first
        raise errors.ServiceException("streamed response over the 200 MB limit")
    events = [("PayloadChunk", {"Payload": chunk}) for chunk in chunks]
    events.append(("InvokeComplete", complete))
    return {
        "StatusCode": 200,
        "ExecutedVersion": result.executed_version,
        "ResponseStreamContentType": eventstream.CONTENT_TYPE,
        "EventStream": events,
        REQUEST_ID_KEY: result.request_id,
    }


def _json(payload: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(payload)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}
