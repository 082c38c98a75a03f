"""``lab.client("lambda").invoke`` without botocore's request pipeline, where nobody could tell.

A call through the full client builds an HTTP request, signs it, hands it to the Lab's REST
layer, serialises the answer and parses it back: about three quarters of the call, for bytes
that never leave the process. For Invoke, the call notebooks make most, this shortcut does
what that round trip amounts to and nothing else:

* the parameters are checked by botocore's own validator (the same ParamValidationError);
* they reach the Lab's Invoke operation exactly as the REST layer would pass them on;
* a success is parsed by botocore's rules for Invoke's output from the same status, headers
  and body, so the dict is boto3's (``Payload`` a StreamingBody, ``ResponseMetadata`` with its
  four keys, and what the client's retry handler notes on a first-attempt success, asked once
  when the client is made);
* an error answer goes back through the full client as the reply to its first attempt, so
  botocore raises its modeled exception (``client.exceptions.TooManyRequestsException``...)
  and retries it exactly as it would have, the later attempts reaching the Lab as usual.

Whenever the shortcut might differ it steps aside for the full client: a handler registered
on the client's events (botocore's Stubber, a recorder...), parameter validation turned off,
adaptive retries (which pace every request), or a file-like Payload (botocore re-reads the
stream on a retry).
"""

from __future__ import annotations

import functools
import io
import logging
import threading
from collections.abc import Callable
from typing import Any

from lambda_lab import errors
from lambda_lab.api.operation import REQUEST_ID_KEY, run
from lambda_lab.api.rest import HttpReply, LambdaRestApi, check_framing, error_reply
from lambda_lab.invocation.sync import new_request_id

_HOOK_METHODS = ("register", "register_first", "register_last", "unregister")


class RawBody(io.BytesIO):
    """The file-like body botocore expects from urllib3 (``stream`` and ``read``)."""

    def stream(self, amt: int | None = None, decode_content: bool = True) -> Any:
        while chunk := self.read(amt or 65536):
            yield chunk


class FirstReplies(threading.local):
    """Per thread: the answer the full client's next request gets instead of asking the Lab
    (the shortcut already asked it, and the call must not run twice)."""

    reply: HttpReply | None = None

    def take(self) -> HttpReply | None:
        reply, self.reply = self.reply, None
        return reply


def watch_for_hooks(client: Any) -> Callable[[], bool]:
    """Whether anyone has (un)registered a handler on the client's events since now."""
    events = client.meta.events
    changed = [False]
    for name in _HOOK_METHODS:
        original = getattr(events, name)

        def noting(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            changed[0] = True
            return _original(*args, **kwargs)

        setattr(events, name, noting)
    return lambda: changed[0]


def install(client: Any, lab: Any, first_replies: FirstReplies) -> None:
    """Replace ``client.invoke`` (on this client only) by the shortcut."""
    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ParamValidationError
    from botocore.response import StreamingBody
    from botocore.validate import ParamValidator

    full = type(client).invoke  # botocore's generated method: the full client
    model = client.meta.service_model.operation_model("Invoke")
    input_members = tuple(model.input_shape.members)
    payload_member = model.input_shape.serialization["payload"]
    config = client.meta.config
    # Adaptive retries pace every request (a token bucket on before-send): the full client.
    plain = config.parameter_validation and (config.retries or {}).get("mode") != "adaptive"
    validate = ParamValidator().validate if plain else None
    endpoint = client._endpoint  # noqa: SLF001 - what botocore's retry handlers are given
    attributes = _output_attributes(model.output_shape)
    if attributes is None:
        return  # an output shape this shortcut does not know how to parse: the full client
    payload_output = model.output_shape.serialization["payload"]
    emit = client.meta.events.emit
    url = f"{client.meta.endpoint_url}/2015-03-31/functions/invocations"
    after_call = f"after-call.lambda.{model.name}"
    notes = _first_attempt_notes(emit, endpoint, model, AWSResponse(url, 200, {}, RawBody()))
    if notes is None:
        return  # a retry handler that would retry a success: only the full client can
    hooked = watch_for_hooks(client)

    def through_full_client(kwargs: dict[str, Any], first: HttpReply | None = None) -> Any:
        first_replies.reply = first
        try:
            return full(client, **kwargs)
        finally:
            first_replies.reply = None

    @functools.wraps(full)
    def invoke(*args: Any, **kwargs: Any) -> Any:
        if args:
            raise TypeError("invoke() only accepts keyword arguments.")
        payload = kwargs.get(payload_member, b"")
        if validate is None or hooked() or not isinstance(payload, (bytes, bytearray, str)):
            return through_full_client(kwargs)
        report = validate(kwargs, model.input_shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())
        # What the REST layer hands the operation: the members sent, in the model's order,
        # and the body as bytes (botocore sends a str Payload as UTF-8).
        params = {name: kwargs[name] for name in input_members if name in kwargs}
        params[payload_member] = payload.encode() if isinstance(payload, str) else bytes(payload)
        reply = _answer(lab, model, params)
        if reply.status >= 300:
            return through_full_client(kwargs, first=reply)
        return _parsed(reply)

    def _parsed(reply: HttpReply) -> Any:
        """What botocore's endpoint makes of this reply after one attempt (its rest-json
        parse of Invoke's output: ResponseMetadata, the status and header members in the
        model's order, then the payload as a StreamingBody)."""
        headers = dict(reply.headers)
        headers["Content-Length"] = str(len(reply.body))
        http = AWSResponse(url, reply.status, headers, RawBody(reply.body))
        lowered = {name.lower(): value for name, value in headers.items()}
        metadata: dict[str, Any] = {"RequestId": lowered["x-amzn-requestid"]}
        parsed: dict[str, Any] = {"ResponseMetadata": metadata}
        for name, wire in attributes:
            if wire is None:
                parsed[name] = reply.status
            elif wire in lowered:
                parsed[name] = lowered[wire]
        parsed[payload_output] = StreamingBody(http.raw, lowered["content-length"])
        metadata["HTTPStatusCode"] = reply.status
        metadata["HTTPHeaders"] = lowered
        metadata.update(notes)  # what the retry handler notes on a first-attempt success
        metadata["RetryAttempts"] = 0
        # What botocore's client tells its own handlers after a call (its retry quota refills
        # on a success).
        emit(after_call, http_response=http, parsed=parsed, model=model,
             context={"retries": {"attempt": 1}})  # fmt: skip
        return parsed

    client.invoke = invoke


def _first_attempt_notes(
    emit: Callable[..., Any], endpoint: Any, model: Any, success: Any
) -> dict[str, Any] | None:
    """What the client's retry handler adds to ResponseMetadata when a call succeeds on its
    first attempt (MaxAttemptsReached, for a client allowed a single attempt), or None if it
    would retry a success. That depends only on the client's retry settings, so it is asked
    once, here, as botocore's endpoint asks after every attempt."""
    parsed: dict[str, Any] = {"ResponseMetadata": {}}
    delays = emit(
        f"needs-retry.lambda.{model.name}",
        response=(success, parsed),
        endpoint=endpoint,
        operation=model,
        attempts=1,
        caught_exception=None,
        request_dict={"context": {"retries": {"attempt": 1}}},
    )
    if any(delay is not None for _, delay in delays):
        return None
    return dict(parsed["ResponseMetadata"])


def _output_attributes(shape: Any) -> list[tuple[str, str | None]] | None:
    """Invoke's output members outside the body, in the model's order, as (name, lower-case
    header name) or (name, None) for the status code; None if any is not one of those (a
    newer botocore model would then need a newer shortcut)."""
    attributes: list[tuple[str, str | None]] = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if location == "statusCode" and member.type_name == "integer":
            attributes.append((name, None))
        elif location == "header" and member.type_name == "string" and not _json_header(member):
            attributes.append((name, member.serialization.get("name", name).lower()))
        elif location is not None or name != shape.serialization.get("payload"):
            return None
    return attributes


def _json_header(member: Any) -> bool:
    """A header botocore decodes as base64 JSON (the ``jsonvalue`` trait), not plain text."""
    return bool(member.serialization.get("jsonvalue"))


def _answer(lab: Any, model: Any, params: dict[str, Any]) -> HttpReply:
    """What ``LambdaRestApi.handle`` answers for these parameters, without the HTTP."""
    request_id = new_request_id()
    try:
        check_framing(model, params)  # as the REST layer checks the request as sent
        result = run(lab, model.name, params)
        request_id = result.pop(REQUEST_ID_KEY, None) or request_id  # the invocation's own id
        reply = LambdaRestApi._serialize(model, result)  # noqa: SLF001 - the REST layer's own
    except errors.LambdaError as exc:
        reply = error_reply(exc)
    except Exception as exc:  # a bug of ours: a 500 as AWS would answer, never a traceback
        logging.getLogger("lambda_lab").exception("Invoke failed")
        reply = error_reply(
            errors.ServiceException(f"internal error in the Lab: {type(exc).__name__}: {exc}")
        )
    reply.headers["x-amzn-RequestId"] = request_id
    return reply
