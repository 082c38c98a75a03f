"""The path of a request through triggers and functions, as spans on the Lab's clock.

AWS X-Ray follows one request by passing a trace header from service to service; each
service reports *segments* (a function's Init and Invoke) and the SDK inside a handler
reports *subsegments* (each AWS call it makes). The Lab has no trace header. It has
something as good for a notebook: the records of everything that ran, each with times on
one clock. :func:`spans` turns those records into spans::

    start = lab.clock.time()
    s3.put_object(Bucket="uploads", Key="cat.jpg", Body=b"...")   # ... wait for the work ...
    for span in spans(lab, since=start):
        print(f"{span.offset_ms(start):8.1f} ms  {span.duration_ms:7.1f} ms  {span.name}")

What links the spans is exact where the Lab knows it (an asynchronous event and its
attempts share a request id; a poller remembers which invocation ran each batch). Beyond
that, a span belongs to the picture because it happened in the window: start an idle Lab,
send one request, and the window holds exactly that request's story.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from lambda_lab import errors
from lambda_lab.invocation.asynchronous import journey as steps
from lambda_lab.monitoring import metrics
from lambda_lab.monitoring.records import InvocationRecord

if TYPE_CHECKING:
    from lambda_lab.clock import Clock
    from lambda_lab.event_sources.hub import EventSources
    from lambda_lab.invocation.asynchronous import AsyncQueue
    from lambda_lab.monitoring.metrics import Metrics
    from lambda_lab.monitoring.records import RecordStore

# Span kinds, from what started the work to what the handler did.
TRIGGER = "trigger"  # an instant: an event arrived, a batch was read, an event was dead-lettered
WAIT = "wait"  # time in a queue or a stream, or between retries
INIT = "init"  # a new execution environment starting (cold start)
INVOKE = "invoke"  # the handler running
CALL = "call"  # a call the handler made (reported by the handler, like an X-Ray subsegment)
THROTTLE = "throttle"  # an instant: no capacity, the attempt waits
KINDS = (TRIGGER, WAIT, INIT, INVOKE, CALL, THROTTLE)

_SOURCES = {"invoke": "Invoke API (Event)", "s3": "S3 notification", "sns": "SNS message",
            "events": "EventBridge rule", "destination": "destination"}  # fmt: skip
_ENDINGS = {steps.DEAD_LETTER: "sent to the dead-letter queue", steps.DESTINATION: "record sent to a destination",
            steps.DROPPED: "event dropped", steps.DELIVERY_FAILED: "delivery failed"}  # fmt: skip
_POLLED = {"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}


@dataclass(frozen=True)
class Span:
    name: str
    kind: str  # one of KINDS
    start: float  # the Lab clock's epoch seconds
    end: float
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"span kind must be one of {', '.join(KINDS)} (got {self.kind!r})")
        if self.end < self.start:
            raise ValueError(
                f"span {self.name!r} ends ({self.end}) before it starts ({self.start})"
            )

    @property
    def duration_ms(self) -> float:
        return (self.end - self.start) * 1000.0

    def offset_ms(self, origin: float) -> float:
        """Milliseconds from ``origin`` to the start of this span."""
        return (self.start - origin) * 1000.0


def call(name: str, start: float, end: float, detail: str = "") -> Span:
    """A span for a call the handler timed itself (what the X-Ray SDK records for you)."""
    return Span(name, CALL, start, end, detail)


def record_spans(record: InvocationRecord, label: str | None = None) -> list[Span]:
    """Init (on a cold start) and Invoke of one invocation."""
    name = label or record.function_name
    detail = f"{record.invocation_type}, {record.outcome}, request {record.request_id[:8]}"
    found = []
    if record.init_duration_ms is not None:
        init_start = record.start - record.init_duration_ms / 1000.0
        found.append(Span(f"{name}: Init", INIT, init_start, record.start, "cold start"))
    found.append(Span(f"{name}: Invoke", INVOKE, record.start, record.end, detail))
    return found


class Traced(Protocol):
    """What a trace is drawn from (a Lab has it all): the clock, the invocation records,
    the asynchronous events' journeys, the pollers' batches and their IteratorAge points."""

    @property
    def clock(self) -> Clock: ...

    @property
    def records(self) -> RecordStore: ...

    @property
    def async_queue(self) -> AsyncQueue: ...

    @property
    def event_sources(self) -> EventSources: ...

    @property
    def metrics(self) -> Metrics: ...


def spans(
    account: Traced, since: float, until: float | None = None, calls: Iterable[Span] = ()
) -> list[Span]:
    """What began in ``[since, until]`` (default: until now), in time order, plus the ``calls``.

    Asynchronous events received in the window come with all their attempts, even later
    ones; batches read in the window come with their invocation; any other invocation that
    started in the window stands on its own.
    """
    until = account.clock.time() if until is None else until
    if until < since:
        raise ValueError(f"until ({until}) is before since ({since})")
    inside = lambda at: since <= at <= until  # noqa: E731 - a local shorthand
    found: list[Span] = []
    explained: set[str] = set()  # request ids whose invocations are drawn by their trigger
    for event in account.async_queue.events():
        if inside(event.received_at):
            found += _async_spans(event)
            explained.add(event.request_id)
    found += _batch_spans(account, inside, explained)
    for record in account.records:
        busy_from = record.start - (record.init_duration_ms or 0.0) / 1000.0
        if record.request_id not in explained and (inside(busy_from) or inside(record.start)):
            found += record_spans(record)
    found += calls  # after the invocations: a call starting with its Invoke is drawn below it
    return sorted(
        found, key=lambda s: s.start
    )  # stable: spans at one instant keep their causal order


def _async_spans(event: steps.AsyncEvent) -> list[Span]:
    """An asynchronous event: its arrival, its time in the queue, each attempt, its ending."""
    source = _SOURCES.get(event.source, event.source)
    found = [Span(f"{source} → {event.function_name}", TRIGGER, event.received_at, event.received_at,
                  f"queued, 202 Accepted, request {event.request_id[:8]}")]  # fmt: skip
    waiting_since, attempts = event.received_at, 0
    for step in list(event.steps):
        if step.kind == steps.ATTEMPT and step.record is not None:
            attempts += 1
            ran = record_spans(step.record, f"{event.function_name} attempt {attempts}")
            label = "async queue" if attempts == 1 else f"retry wait before attempt {attempts}"
            found.append(
                Span(
                    label,
                    WAIT,
                    waiting_since,
                    max(waiting_since, ran[0].start),
                    "Lambda's internal queue",
                )
            )
            found += ran
        elif step.kind == steps.RETRY_SCHEDULED:
            waiting_since = step.at
        elif step.kind == steps.THROTTLED:
            found.append(Span("throttled", THROTTLE, step.at, step.at, step.detail))
            waiting_since = step.at
        elif step.kind in _ENDINGS:
            found.append(Span(_ENDINGS[step.kind], TRIGGER, step.at, step.at, step.detail))
    return found


def _batch_spans(
    account: Traced, inside: Callable[[float], bool], explained: set[str]
) -> list[Span]:
    """Batches pollers read: the read, the record's wait in a stream (IteratorAge), the run."""
    by_id = {r.request_id: r for r in account.records}
    mappings = account.event_sources.mappings
    found: list[Span] = []
    for config in mappings.configs():
        try:
            history = list(mappings.poller(config.uuid).history)
        except errors.LambdaError:  # deleted while we looked: nothing to draw
            continue
        source = _POLLED.get(config.kind, config.kind)
        for run in history:
            record = by_id.get(run.request_id or "")
            if not inside(run.at) or record is None:
                continue
            found.append(Span(f"{source} → {config.function_name}", TRIGGER, run.at, run.at,
                              f"batch of {run.size}, {run.outcome}"))  # fmt: skip
            arrival = (
                _stream_arrival(account.metrics, config.function_name, record)
                if config.kind != "sqs"
                else None
            )
            if arrival is not None and arrival <= run.at:
                found.append(
                    Span("record waits in the stream", WAIT, arrival, run.at, "IteratorAge")
                )
            found += record_spans(record, f"{config.function_name} batch")
            explained.add(record.request_id)
    return found


def _stream_arrival(
    metric_points: Metrics, function_name: str, record: InvocationRecord
) -> float | None:
    """When the batch's last record reached the poller: the IteratorAge point the poller
    wrote as this batch finished (the first one at or after the invocation's end)."""
    points = [
        (at, age)
        for at, age in metric_points.points(metrics.ITERATOR_AGE, function_name)
        if at >= record.end
    ]
    if not points:
        return None
    at, age_ms = min(points)
    return at - age_ms / 1000.0
