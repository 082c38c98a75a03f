"""The asynchronous invocation queue: 202 at once, then attempts, retries and an ending.

AWS's rules (facts section 5), all waited out on the Lab's clock:

* a function error is retried MaximumRetryAttempts times (default 2), 1 minute after the
  first attempt and 2 minutes after the second;
* a throttle (429), or an error of Lambda's own (5xx), puts the event back with a growing
  wait (1 s doubling up to 5 minutes), for as long as the event is younger than
  MaximumEventAgeInSeconds (default 6 hours);
* a function with reserved concurrency 0 sends new events straight to failure handling;
* an event that ends in failure goes to the function's dead-letter queue (the event as is,
  plus RequestID / ErrorCode / ErrorMessage attributes) and to its OnFailure destination
  (an invocation record); a success goes to the OnSuccess destination.

Each attempt is a real invocation (invocation type ``Event``) with its own record.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from lambda_lab import errors, limits
from lambda_lab.aws.delivery import DeliveryError
from lambda_lab.event_sources.shapes.delivery import (
    destination_event,
    destination_record,
    dlq_message_attributes,
)
from lambda_lab.invocation.asynchronous import journey as steps
from lambda_lab.invocation.asynchronous.configs import EventInvokeConfig, EventInvokeConfigs
from lambda_lab.invocation.asynchronous.journey import AsyncEvent
from lambda_lab.invocation.sync import check_payload, new_request_id
from lambda_lab.monitoring import metrics

if TYPE_CHECKING:
    from lambda_lab.aws.delivery import Deliverer
    from lambda_lab.clock import Clock
    from lambda_lab.control.functions import Registry
    from lambda_lab.control.versions import Versions
    from lambda_lab.invocation.dispatch import Dispatcher
    from lambda_lab.invocation.sync import InvokeResult
    from lambda_lab.monitoring.metrics import Metrics

THROTTLE_MESSAGE = "Rate Exceeded."
JOURNAL_MAX = 10_000  # finished journeys kept for timelines; older ones are forgotten first


class SyncInvoke(Protocol):
    """One attempt through the Lab's pipeline (:func:`~lambda_lab.invocation.sync.invoke_sync`)."""

    def __call__(
        self,
        function_name: str,
        payload: bytes,
        *,
        qualifier: str | None,
        invocation_type: str,
        request_id: str | None,
        trusted_json: bool,
    ) -> InvokeResult: ...


class AsyncQueue:
    def __init__(
        self,
        *,
        functions: Registry,
        versions: Versions,
        clock: Clock,
        dispatcher: Dispatcher,
        invoke: SyncInvoke,
        reserved: Callable[[str], int | None],  # a function's reserved concurrency, if set
        metrics: Metrics,
        deliverer: Deliverer,
        region: str,
    ) -> None:
        self._functions = functions
        self._versions = versions
        self._clock = clock
        self._dispatcher = dispatcher
        self._invoke = invoke
        self._reserved = reserved
        self._metrics = metrics
        self._deliverer = deliverer
        self._region = region
        self.configs = EventInvokeConfigs(functions, versions, clock)
        self._events: dict[str, AsyncEvent] = {}
        self._lock = threading.Lock()

    # -- what callers see ---------------------------------------------------------------------
    def invoke(
        self,
        function_name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        source: str = "invoke",
    ) -> AsyncEvent:
        """Queue an event (InvocationType=Event); the first attempt runs as soon as the clock allows."""
        config = self._functions.get(function_name)
        qualifier = self._versions.qualifier(function_name, qualifier)
        self._versions.resolve(
            config, function_name, qualifier, route=False
        )  # an unknown version or alias: 404
        check_payload(payload, limits.ASYNC_PAYLOAD_MAX_BYTES, invocation_type="Event")
        now = self._clock.time()
        event = AsyncEvent(new_request_id(), config.name, qualifier, payload, now, source)
        event.add(now, steps.RECEIVED, f"{len(payload)} bytes, from {source}")
        self._metrics.put(metrics.ASYNC_EVENTS_RECEIVED, config.name, at=now)
        with self._lock:
            self._events[event.request_id] = event
            if (
                len(self._events) > JOURNAL_MAX + JOURNAL_MAX // 10
            ):  # prune now and then, not per event
                self._forget_oldest_finished()
        self._dispatcher.later(0, self._attempt, event)
        return event

    def _forget_oldest_finished(self) -> None:
        excess = len(self._events) - JOURNAL_MAX
        for request_id in [rid for rid, e in self._events.items() if e.done][:excess]:
            del self._events[request_id]

    def events(self, function_name: str | None = None) -> list[AsyncEvent]:
        with self._lock:
            return [
                e
                for e in self._events.values()
                if function_name is None or e.function_name == function_name
            ]

    def journey(self, request_id: str) -> AsyncEvent:
        with self._lock:
            found = self._events.get(request_id)
        if found is None:
            raise KeyError(f"no asynchronous event with request id {request_id!r}")
        return found

    def in_flight(self) -> int:
        return sum(1 for e in self.events() if not e.done)

    # -- one attempt ----------------------------------------------------------------------------
    def _attempt(self, event: AsyncEvent) -> None:
        if self._dispatcher.closed or event.done:  # closed: the Lab is going away
            return
        now = self._clock.time()
        if event.function_name not in self._functions:
            event.condition = "Dropped"
            event.add(now, steps.DROPPED, "the function was deleted")
            self._metrics.put(metrics.ASYNC_EVENTS_DROPPED, event.function_name, at=now)
            return
        settings = self.configs.effective(event.function_name, event.qualifier)
        if now - event.received_at >= settings.max_age_s:
            why = f"older than MaximumEventAgeInSeconds={settings.max_age_s}"
            self._failed(event, settings, "EventAgeExceeded", why)
            return
        if self._reserved(event.function_name) == 0:
            event.last_status, event.last_error_message = 429, THROTTLE_MESSAGE
            event.add(now, steps.THROTTLED, "reserved concurrency is 0: no attempt is made")
            self._failed(event, settings, "RetriesExhausted", "reserved concurrency 0")
            return
        try:
            result = self._invoke(
                event.function_name, event.payload, qualifier=event.qualifier,
                invocation_type="Event", request_id=event.request_id, trusted_json=True,
            )  # fmt: skip
        except errors.LambdaError as exc:
            if exc.code == "TooManyRequestsException" or exc.status >= 500:
                self._back_on_queue(event, settings, exc)
            else:
                event.last_status, event.last_error_message = exc.status, exc.message
                self._failed(event, settings, "RetriesExhausted", exc.message or "")
            return
        record = result.record
        assert record is not None  # every invocation that ran has its record
        # From queued to invoked: retries and throttles make it grow (AWS/Lambda AsyncEventAge).
        age_ms = (record.start - event.received_at) * 1000
        self._metrics.put(metrics.ASYNC_EVENT_AGE, event.function_name, age_ms, at=record.start)
        event.attempts += 1
        event.last_response = result.payload
        event.executed_version = result.executed_version
        event.add(now, steps.ATTEMPT, f"attempt {event.attempts}: {record.outcome}", record)
        if result.function_error is None:
            self._succeeded(event, settings)
            return
        event.last_status = 200
        event.last_error_type = record.error_type
        event.last_error_message = record.error_message or ""
        if event.attempts > settings.retries:
            self._failed(
                event, settings, "RetriesExhausted", f"all {event.attempts} attempt(s) failed"
            )
            return
        delay = limits.ASYNC_RETRY_DELAYS_S[
            min(event.attempts - 1, len(limits.ASYNC_RETRY_DELAYS_S) - 1)
        ]
        self._retry_later(event, settings, delay, f"attempt {event.attempts + 1} in {delay} s")

    def _back_on_queue(
        self, event: AsyncEvent, settings: EventInvokeConfig, exc: errors.LambdaError
    ) -> None:
        """A throttle (429) or a Lambda-side error (5xx): not the function's fault, so the event
        waits and tries again, for as long as it is young enough."""
        event.throttles += 1
        throttled = exc.code == "TooManyRequestsException"
        event.last_status = exc.status
        event.last_error_message = THROTTLE_MESSAGE if throttled else exc.message
        delay = min(
            limits.ASYNC_THROTTLE_BACKOFF_MIN_S * 2 ** (event.throttles - 1),
            limits.ASYNC_THROTTLE_BACKOFF_MAX_S,
        )
        kind, reason = (
            (steps.THROTTLED, exc.members.get("Reason", "throttled"))
            if throttled
            else (steps.SERVICE_ERROR, f"{exc.code}: {exc.message}")
        )
        event.add(self._clock.time(), kind, f"{reason}; back on the queue")
        self._retry_later(event, settings, delay, f"try again in {delay} s")

    def _retry_later(
        self, event: AsyncEvent, settings: EventInvokeConfig, delay: float, detail: str
    ) -> None:
        now = self._clock.time()
        expires = event.received_at + settings.max_age_s
        when = min(now + delay, expires)  # an event never waits past its maximum age
        event.add(
            now,
            steps.RETRY_SCHEDULED,
            detail if when < expires else "the event will be too old by then",
        )
        self._dispatcher.at(when, self._attempt, event)

    # -- endings --------------------------------------------------------------------------------
    def _succeeded(self, event: AsyncEvent, settings: EventInvokeConfig) -> None:
        now = self._clock.time()
        event.condition = "Success"
        event.add(now, steps.SUCCEEDED, f"after {event.attempts} attempt(s)")
        if settings.on_success:
            self._to_destination(event, settings.on_success, "Success")

    def _failed(
        self, event: AsyncEvent, settings: EventInvokeConfig, condition: str, why: str
    ) -> None:
        now = self._clock.time()
        event.condition = condition
        event.add(now, steps.FAILED, f"{condition}: {why}")
        self._metrics.put(metrics.ASYNC_EVENTS_DROPPED, event.function_name, at=now)
        dead_letter_arn = self._dead_letter_arn(event)
        if dead_letter_arn:
            self._to_dead_letter_queue(event, dead_letter_arn)
        if settings.on_failure:
            self._to_destination(event, settings.on_failure, condition)
        if not dead_letter_arn and not settings.on_failure:
            event.add(now, steps.DROPPED, "no dead-letter queue or OnFailure destination")

    def _dead_letter_arn(self, event: AsyncEvent) -> str | None:
        """The DLQ belongs to the version's configuration (it is frozen when a version is published)."""
        if event.function_name not in self._functions:
            return None
        try:
            _, config = self._versions.resolve(
                self._functions.get(event.function_name),
                event.function_name,
                event.qualifier,
                route=False,
            )
        except errors.LambdaError:
            return None
        return config.dead_letter_arn

    def _to_dead_letter_queue(self, event: AsyncEvent, arn: str) -> None:
        attributes = dlq_message_attributes(
            request_id=event.request_id,
            error_code=event.last_status,
            error_message=event.last_error_message or "",
        )
        try:
            self._deliverer.send(
                arn, event.payload.decode("utf-8", "replace"), attributes=attributes
            )
        except DeliveryError as exc:
            self._metrics.put(metrics.DEAD_LETTER_ERRORS, event.function_name)
            event.add(self._clock.time(), steps.DELIVERY_FAILED, f"dead-letter queue {arn}: {exc}")
            return
        event.add(self._clock.time(), steps.DEAD_LETTER, arn)

    def _to_destination(self, event: AsyncEvent, arn: str, condition: str) -> None:
        now = self._clock.time()
        function_arn = f"arn:aws:lambda:{self._region}:{limits.ACCOUNT_ID}:function:{event.function_name}:{event.qualifier}"
        record = destination_record(
            request_id=event.request_id, function_arn=function_arn, condition=condition,
            approximate_invoke_count=event.attempts, request_payload=_json_or_text(event.payload), at=now,
            executed_version=event.executed_version, status_code=event.last_status,
            function_error="Unhandled" if condition != "Success" and event.last_response is not None else None,
            **({"response_payload": _json_or_text(event.last_response)} if event.last_response is not None else {}),
        )  # fmt: skip
        fields: dict[str, Any] = {"s3_key": _s3_record_key(event.function_name, now)}
        if arn.split(":")[2] == "events":
            envelope = destination_event(
                record, function_arn=function_arn, destination_arn=arn, at=now
            )
            fields.update({k: envelope[k] for k in ("source", "detail-type", "resources")})
        if (
            arn.split(":")[2] == "sns"
            and len(json.dumps(record).encode()) > limits.SNS_MESSAGE_MAX_BYTES
        ):
            record.pop(
                "requestPayload", None
            )  # AWS drops the payloads from an oversized SNS record
            record.pop("responsePayload", None)
        try:
            self._deliverer.send(arn, record, event_fields=fields)
        except DeliveryError as exc:
            self._metrics.put(metrics.DESTINATION_DELIVERY_FAILURES, event.function_name)
            event.add(self._clock.time(), steps.DELIVERY_FAILED, f"destination {arn}: {exc}")
            return
        event.add(self._clock.time(), steps.DESTINATION, f"{condition} record to {arn}")


def _json_or_text(payload: bytes | None) -> Any:
    if not payload:
        return None
    try:
        return json.loads(payload)
    except ValueError:
        return payload.decode("utf-8", "replace")


def _s3_record_key(function_name: str, at: float) -> str:
    """Where an S3 OnFailure destination gets the record (a dated prefix per function)."""
    moment = datetime.datetime.fromtimestamp(at, datetime.timezone.utc)
    return f"aws/lambda/async/{function_name}/{moment:%Y/%m/%d}/{moment:%Y-%m-%dT%H.%M.%S}-{uuid.uuid4()}"
