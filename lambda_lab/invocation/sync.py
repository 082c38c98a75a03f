"""The synchronous invoke pipeline: checks -> admission -> environment -> record, logs, result.

Every front door (the boto3-shaped client, HTTP listeners, the async queue, pollers,
widgets) ends here, so a REPORT line or a throttle looks the same whichever way in.
"""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_lab import aws_time, errors, limits
from lambda_lab.control.versions import split_qualifier
from lambda_lab.monitoring import logs
from lambda_lab.monitoring.records import InvocationRecord

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

PLATFORM_ERRORS = (
    "Sandbox.Timedout",
    "Runtime.ExitError",
    "Runtime.OutOfMemory",
    "Runtime.InvalidEntrypoint",
    "Runtime.Unknown",
)
# What the Python runtime answers an event it cannot decode
UNMARSHAL_ERROR = "Runtime.UnmarshalError"


class InvokeResult:
    """What Invoke answers: the fields boto3 returns, plus the Lab's record and its log.

    The log text is rendered on first use, from the record and the captured output.
    """

    def __init__(
        self,
        status_code: int,
        payload: bytes,
        executed_version: str,
        function_error: str | None = None,
        record: InvocationRecord | None = None,
        render_log: Callable[[], list[str]] | None = None,
        tail: bool = False,
    ) -> None:
        self.status_code = status_code
        self.payload = payload
        self.executed_version = executed_version
        self.function_error = function_error
        self.record = record
        self.request_id = record.request_id if record else ""
        self._render_log = render_log
        self.log_result = (
            self._tail() if tail else None
        )  # base64 of the last 4 KB, with LogType=Tail

    @property
    def log(self) -> str:
        """This invocation's log, for reading (INIT_START and init output too on a cold start).

        AWS's runtime joins a traceback's lines with carriage returns so that it stays one
        log event; a notebook would print them over each other, so here they become line
        breaks. ``lab.logs`` and LogResult keep the exact text.
        """
        return self.raw_log.replace("\r", "\n")

    @property
    def raw_log(self) -> str:
        return "".join(line + "\n" for line in self._render_log()) if self._render_log else ""

    def _tail(self) -> str:
        lines = self._render_log() if self._render_log else []
        start = next((i for i, line in enumerate(lines) if line.startswith("START ")), 0)
        text = "".join(line + "\n" for line in lines[start:]).encode()
        return base64.b64encode(text[-limits.LOG_TAIL_BYTES :]).decode()

    @property
    def value(self) -> Any:
        """The payload decoded from JSON (None for an empty payload)."""
        return json.loads(self.payload) if self.payload else None

    def __repr__(self) -> str:
        error = f", FunctionError={self.function_error!r}" if self.function_error else ""
        return f"<InvokeResult StatusCode={self.status_code}{error} Payload={self.payload[:200]!r}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.pretty())

    def pretty(self) -> str:
        status = f"FunctionError: {self.function_error}" if self.function_error else "OK"
        body = self.payload.decode(errors="replace")
        return f"StatusCode {self.status_code} ({status})\nPayload: {body}\n\n{self.log}"


def new_request_id() -> str:
    """A random version-4 UUID string, made without a system call (uuid4() reads os.urandom)."""
    h = f"{random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def trace_header(request_id: str, now: float, sampled: bool = False) -> str:
    """An X-Ray trace header, as Lambda sets _X_AMZN_TRACE_ID for each invoke (``now``: the
    Lab's clock, so a virtual clock moves the trace's time too). With active tracing the Lab
    samples every request (AWS: the first each second, then 5 %)."""
    root = f"1-{aws_time.trace_epoch(now)}-{request_id.replace('-', '')[:24]}"
    return f"Root={root};Parent={random.getrandbits(64):016x};Sampled={int(sampled)}"


def check_payload(
    payload: bytes, maximum: int, *, parse: bool = True, invocation_type: str = "RequestResponse"
) -> None:
    """AWS's checks on an Invoke body: its size, then that it is JSON."""
    if len(payload) > maximum:
        # The code AWS sends on the wire (observed), not the modelled RequestTooLargeException.
        if invocation_type == "Event":
            message = f"{len(payload)} byte payload is too large for the Event invocation type (limit {maximum} bytes)"
        else:
            message = (
                f"Request must be smaller than {maximum} bytes for the InvokeFunction operation"
            )
        raise errors.RequestEntityTooLargeException(message)
    if payload and parse:
        try:
            json.loads(payload)
        except (ValueError, RecursionError) as exc:  # nested too deep is no JSON AWS accepts
            raise errors.InvalidRequestContentException(
                f"Could not parse request body into json: {exc}"
            ) from None


def invoke_sync(
    lab: Lab,
    function_name: str,
    payload: bytes,
    *,
    qualifier: str | None = None,
    log_type: str = "None",
    client_context: str | None = None,
    invocation_type: str = "RequestResponse",
    request_id: str | None = None,
    trusted_json: bool = False,
) -> InvokeResult:
    """``trusted_json``: the payload was just serialised by the Lab itself, so parsing it
    again to validate it would only cost time."""
    config = lab.functions.get(function_name)
    version, config = lab.versions.resolve(
        config, function_name, qualifier
    )  # a version runs its frozen copy
    # The context's invoked_function_arn carries the qualifier the caller used (an alias name,
    # a version, $LATEST), or none when the call named none.
    named = qualifier or (split_qualifier(function_name)[1] if ":" in function_name else None)
    # AWS refuses a body that is not JSON before anything runs. A Python runtime decodes the
    # event anyway, so when a warm environment is there to take the invoke the check is left
    # to it (a 6 MB event is decoded once, not twice); its answer is checked in _run.
    deferred = (
        bool(payload)
        and not trusted_json
        and config.runtime not in limits.CUSTOM_RUNTIMES  # (a bootstrap decodes nothing)
        and lab.pool.has_idle(config.name, version)
    )
    check_payload(payload, limits.SYNC_PAYLOAD_MAX_BYTES, parse=not (trusted_json or deferred))
    try:
        context = _decode_client_context(client_context)
    except errors.InvalidRequestContentException:
        if deferred:  # the body's own error comes first, as it would have
            check_payload(payload, limits.SYNC_PAYLOAD_MAX_BYTES)
        raise
    request_id = request_id or new_request_id()
    try:
        slot = lab.concurrency.admit(config, version)  # provisioned, warm or cold, or a 429
    except errors.LambdaError:
        if deferred:  # (a throttle racing another caller): a bad body is still a 400 first
            check_payload(payload, limits.SYNC_PAYLOAD_MAX_BYTES)
        raise
    try:
        if deferred and slot.init is not None:  # another caller took the warm one meanwhile
            check_payload(payload, limits.SYNC_PAYLOAD_MAX_BYTES)
            deferred = False
        return _run(
            lab,
            config,
            version,
            slot.environment,
            slot.init,
            payload,
            request_id,
            log_type,
            context,
            invocation_type,
            named,
            deferred,
        )
    finally:
        lab.concurrency.release(config, slot)  # the environment goes back, then the counts drop


def _decode_client_context(text: str | None) -> Any:
    if not text:
        return None
    try:
        context = json.loads(base64.b64decode(text))
    except ValueError as exc:
        raise errors.InvalidRequestContentException(
            f"Client context must be base64-encoded JSON: {exc}"
        ) from None
    if not isinstance(context, dict):
        raise errors.InvalidRequestContentException(
            f"Client context must be a base64-encoded JSON object (got {type(context).__name__})"
        )
    return context


def _run(
    lab,
    config,
    version,
    env,
    init,
    payload,
    request_id,
    log_type,
    client_context,
    invocation_type,
    qualifier=None,
    unchecked=False,
):
    """``unchecked``: the payload's JSON was left to the runtime (see invoke_sync)."""
    start = lab.clock.time()
    if init is None or init.outcome == "success":
        arn = config.arn if qualifier is None else f"{config.arn}:{qualifier}"
        deadline_ms = int((time.time() + config.timeout_s) * 1000)
        # The frame header, encoded by hand (json.dumps of a dict is a visible share of a warm
        # invoke): ids, ARNs and trace headers hold no character JSON would escape.
        header = (
            f'{{"id":"{request_id}","deadline":{deadline_ms},"arn":"{arn}",'
            f'"trace":"{trace_header(request_id, start, config.tracing_mode == "Active")}",'
            f'"cc":{"null" if client_context is None else json.dumps(client_context)}}}'
        ).encode()
        outcome = env.invoke(header, payload, config.timeout_s, request_id)
    else:
        outcome = init  # the init failed: this invoke reports that error
    response = outcome.payload
    error_type = outcome.error_type
    if unchecked and error_type == UNMARSHAL_ERROR:
        # The runtime could not decode the event: AWS's 400 if the Lab cannot either (nothing
        # is recorded or logged, as for a body AWS refuses); else the runtime's own error.
        check_payload(payload, limits.SYNC_PAYLOAD_MAX_BYTES)
    if error_type in PLATFORM_ERRORS:  # AWS prefixes platform errors with the request id
        doc = json.loads(response)
        doc["errorMessage"] = f"RequestId: {request_id} Error: {doc['errorMessage']}"
        response = json.dumps(doc).encode()
    failed = outcome.outcome != "success" or error_type is not None
    record = InvocationRecord(
        request_id=request_id,
        function_name=config.name,
        version=version,
        invocation_type=invocation_type,
        outcome="error" if failed and outcome.outcome == "success" else outcome.outcome,
        start=start,
        duration_ms=outcome.duration_ms if init is None or init.outcome == "success" else 0.0,
        memory_mb=config.memory_mb,
        max_memory_used_mb=outcome.max_memory_mb,
        architecture=config.architecture,
        ephemeral_storage_mb=config.ephemeral_mb,
        env_id=env.env_id,
        cold=init is not None,
        init_duration_ms=None if init is None else init.duration_ms,
        error_type=error_type,
        error_message=_error_message(response) if failed else None,
        request_bytes=len(payload),
        response_bytes=len(response),
        provisioned=env.initialization_type == "provisioned-concurrency",
    )
    note = getattr(env, "runtime_note", None) if init is not None else None
    if note:
        env.runtime_note = None  # said once: in the first cold start's log
    init_lines = (
        None
        if init is None
        else [
            logs.init_start_line(config.runtime, lab.region),
            (note + "\n" if note else "") + init.log,
        ]
    )
    invoke_output = outcome.log if init is None or init.outcome == "success" else ""

    def render() -> list[str]:
        lines: list[str] = []
        if init_lines is not None:
            lines.append(init_lines[0])
            lines.extend(logs.split_output(init_lines[1]))
            if init is not None and init.outcome != "success":
                lines.append(logs.init_report_line(init.duration_ms, init.outcome, init.error_type))
        lines.append(logs.start_line(record))
        lines.extend(logs.split_output(invoke_output))
        lines += [logs.end_line(record), logs.report_line(record)]
        return lines

    lab.logs.put(config.log_group, env.log_stream, start, render)
    if '"_aws"' in invoke_output:  # Embedded Metric Format lines become custom metrics
        lab.emf.ingest(config.name, invoke_output, start)
    lab.records.add(record)
    return InvokeResult(
        status_code=200,
        payload=response,
        executed_version=version,
        function_error="Unhandled" if failed else None,
        record=record,
        render_log=render,
        tail=log_type == "Tail",
    )


def _error_message(payload: bytes) -> str | None:
    try:
        return str(json.loads(payload).get("errorMessage"))
    except (ValueError, AttributeError):
        return None
