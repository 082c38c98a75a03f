"""Where the endpoint's requests meet the Lab's triggers and pollers (``lab.event_sources``).

The endpoint calls :meth:`EventSources.before` for every request to another service (the
hook may answer it) and :meth:`EventSources.after` once moto has answered with success. That
is how an S3 PUT fires a notification, an SNS Publish reaches subscribed functions, a
PutRule arms a schedule, and new queue or stream data wakes the pollers at once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from lambda_lab import errors
from lambda_lab.aws.aws_request import AwsRequest
from lambda_lab.aws.middleware import Reply
from lambda_lab.event_sources.mappings.api import MappingManager
from lambda_lab.event_sources.mappings.config import DYNAMODB, KINESIS, SQS
from lambda_lab.event_sources.triggers.eventbridge import EventBridge
from lambda_lab.event_sources.triggers.s3 import CREATED, S3Notifications
from lambda_lab.event_sources.triggers.sns import SnsSubscriptions

if TYPE_CHECKING:
    from lambda_lab.control.versions import Versions
    from lambda_lab.event_sources.mappings.poller import PollerTools

S3_WRITES = (*CREATED, "DeleteObject", "DeleteObjects")
SQS_WRITES = (
    "SendMessage",
    "SendMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
)
DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
                   "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction")  # fmt: skip


class QueueInvoke(Protocol):
    """Put an event on the asynchronous queue (:meth:`AsyncQueue.invoke`)."""

    def __call__(self, function_name: str, payload: bytes, *, source: str) -> object: ...


class EventSources:
    def __init__(
        self, tools: PollerTools, *, versions: Versions, queue: QueueInvoke, region: str
    ) -> None:
        self._queue = queue
        self.mappings = MappingManager(tools, versions)
        clients, clock, trigger = tools.clients, tools.clock, self.invoke_async
        self.s3 = S3Notifications(
            clients=clients, clock=clock, functions=tools.functions, trigger=trigger, region=region
        )
        self.sns = SnsSubscriptions(clients, clock, trigger)
        self.eventbridge = EventBridge(
            clients=clients,
            clock=clock,
            dispatcher=tools.dispatcher,
            deliverer=tools.deliverer,
            trigger=trigger,
            region=region,
        )
        self.failures: list[str] = []  # triggers that could not reach their function

    # -- endpoint hooks ------------------------------------------------------------------------
    def before(self, request: AwsRequest) -> Reply | None:
        if request.service == "events":
            return self.eventbridge.before(request)
        if request.service == "s3" and request.operation == "PutBucketNotificationConfiguration":
            return self.s3.check_configuration(request)
        return None

    def after(self, request: AwsRequest, reply: Reply) -> None:
        service, operation = request.service, request.operation
        if service == "s3" and operation in S3_WRITES:
            self.s3.object_written(request, reply)
            self.mappings.wake(SQS)  # moto may have notified a queue
        elif service == "sns" and operation in ("Publish", "PublishBatch"):
            self.sns.published(request, reply)
            self.mappings.wake(SQS)  # moto delivers to subscribed queues itself
        elif service == "sqs" and operation in SQS_WRITES:
            self.mappings.wake(SQS)
        elif service == "kinesis" and operation in ("PutRecord", "PutRecords"):
            self.mappings.wake(KINESIS)
        elif service == "dynamodb" and operation in DYNAMODB_WRITES:
            self.mappings.wake(DYNAMODB)
        elif service == "events":
            self.eventbridge.after(request)

    # -- what triggers do ---------------------------------------------------------------------
    def invoke_async(self, function: str, event: Any, source: str) -> None:
        """A trigger's asynchronous invoke; a missing function is noted, as AWS would log it."""
        payload = json.dumps(event).encode()
        try:
            self._queue(function, payload, source=source)
        except errors.LambdaError as exc:
            self.failures.append(f"{source} -> {function}: {exc}")

    def close(self) -> None:
        self.mappings.close()
        self.eventbridge.close()
