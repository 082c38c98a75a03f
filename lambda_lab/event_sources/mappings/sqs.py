"""The SQS poller: batches of messages, visibility timeout, partial failures, redrive.

As Lambda does (facts section 7): receive up to BatchSize messages (waiting up to the
batching window for a fuller batch), invoke the function with them, delete the batch on
success. On failure the messages stay hidden until the queue's visibility timeout ends,
then come back; the queue's redrive policy (maxReceiveCount) moves a message that keeps
failing to its dead-letter queue. With ReportBatchItemFailures only the reported messages
come back. Messages that match no filter are deleted without invoking.

Visibility is kept on the Lab's clock: messages are received with a long hold and made
visible again (ChangeMessageVisibility 0) when the Lab's clock reaches their timeout, so a
virtual clock fast-forwards visibility timeouts too.
"""

from __future__ import annotations

from typing import Any

from lambda_lab import errors, limits
from lambda_lab.event_sources.mappings.batch_results import (
    BatchRun,
    read_result,
    whole_batch_failed,
)
from lambda_lab.event_sources.mappings.config import MappingConfig
from lambda_lab.event_sources.mappings.filters import esm_filter_matches
from lambda_lab.event_sources.mappings.poller import Poller, PollerTools
from lambda_lab.event_sources.shapes.events import records_event, sqs_record


class SqsPoller(Poller):
    def __init__(self, tools: PollerTools, config: MappingConfig) -> None:
        super().__init__(tools, config)
        self._sqs = tools.clients("sqs")
        _, _, _, _, account, name = config.source_arn.split(":")[:6]
        try:
            self.queue_url = self._sqs.get_queue_url(
                QueueName=name, QueueOwnerAWSAccountId=account
            )["QueueUrl"]
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=self.queue_url, AttributeNames=["All"]
            )["Attributes"]
        except self._sqs.exceptions.QueueDoesNotExist:
            raise errors.InvalidParameterValueException(
                f"Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
                f"SQS Error Message: The specified queue {config.source_arn} does not exist."
            ) from None
        self.visibility_timeout_s = int(attributes.get("VisibilityTimeout", 30))
        self._pending: list[
            tuple[dict[str, Any], float]
        ] = []  # (message, received at), held for the window
        self._window_opened: float | None = None

    def poll(self) -> None:
        config = self.config
        now = self._clock.time()
        asked = config.batch_size - len(self._pending)
        received = self._receive(asked, now)
        self._pending.extend(received)
        if not self._pending:
            return
        if len(self._pending) < config.batch_size and config.window_s > 0:
            if self._window_opened is None:
                self._window_opened = now
                self.wake_at(now + config.window_s)
            if now < self._window_opened + config.window_s:
                return  # wait for a fuller batch, up to the batching window
        batch, self._pending = (
            self._pending[: config.batch_size],
            self._pending[config.batch_size :],
        )
        self._window_opened = None
        self._invoke(batch)
        if self._pending or (asked > 0 and len(received) >= asked):
            self.wake()  # the queue gave all that was asked: there may be more waiting

    # -- receiving ------------------------------------------------------------------------------
    def _receive(self, wanted: int, now: float) -> list[tuple[dict[str, Any], float]]:
        found: list[tuple[dict[str, Any], float]] = []
        while wanted > 0:
            messages = self._sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(limits.SQS_RECEIVE_MAX, wanted),
                VisibilityTimeout=limits.SQS_VISIBILITY_TIMEOUT_MAX_S,  # released on the Lab's clock instead
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                break
            for message in messages:
                if self.config.filters and not esm_filter_matches(
                    "sqs", self._record(message), self.config.filters
                ):
                    self._delete([message])  # AWS removes messages that match no filter
                    continue
                found.append((message, now))
            wanted -= len(messages)
        return found

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = message.get("Attributes", {})
        return sqs_record(
            message.get("Body", ""),
            queue_arn=self.config.source_arn,
            sent_at=int(attributes.get("SentTimestamp", "0")) / 1000,
            first_receive_at=int(attributes.get("ApproximateFirstReceiveTimestamp", "0")) / 1000,
            receive_count=int(attributes.get("ApproximateReceiveCount", "1")),
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            sender_id=attributes.get("SenderId", limits.ACCOUNT_ID),
            message_attributes=message.get("MessageAttributes"),
            message_group_id=attributes.get("MessageGroupId"),
            deduplication_id=attributes.get("MessageDeduplicationId"),
            sequence_number=attributes.get("SequenceNumber"),
        )

    # -- invoking and settling -------------------------------------------------------------------
    def _invoke(self, batch: list[tuple[dict[str, Any], float]]) -> None:
        started = self._clock.time()
        messages = [message for message, _ in batch]
        ids = [m["MessageId"] for m in messages]
        result, outcome = self.invoke(records_event(*(self._record(m) for m in messages)))
        if result is None:
            verdict = whole_batch_failed(outcome)
        else:
            verdict = read_result(
                result.payload, result.function_error, ids, self.config.report_item_failures
            )
        failed = verdict.failed_ids(ids)
        done = [m for m in messages if m["MessageId"] not in set(failed)]
        self._delete(done)
        if failed:
            outcome = outcome if verdict.everything else "partial"
            # They come back when their visibility timeout ends, counted from when they were received.
            back_at = min(at for _, at in batch) + self.visibility_timeout_s
            handles = [m["ReceiptHandle"] for m in messages if m["MessageId"] in set(failed)]
            self._dispatcher.at(back_at, self._release, handles)
        self.remember(BatchRun(
            started, len(batch), outcome, len(failed), result.record.request_id if result and result.record else None,
            detail=verdict.reason, ids=tuple(ids),
        ))  # fmt: skip

    def _delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), limits.SQS_RECEIVE_MAX):
            chunk = messages[start : start + limits.SQS_RECEIVE_MAX]
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )

    def _release(self, handles: list[str]) -> None:
        """The visibility timeout is over: the messages can be received again."""
        if self._stopped:
            return
        for start in range(0, len(handles), limits.SQS_RECEIVE_MAX):
            chunk = handles[start : start + limits.SQS_RECEIVE_MAX]
            self._sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": 0}
                    for i, h in enumerate(chunk)
                ],
            )
        self.wake()
