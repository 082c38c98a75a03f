"""Sending the Lab's own messages to an ARN: dead letters, destination records, rule targets.

One place knows how each kind of target takes a message (facts section 5):

* SQS queue: the record is the message body (standard queues only);
* SNS topic: the record is the ``Message`` (standard topics only, 256 KB at most);
* Lambda function: the record is the payload of an asynchronous invoke;
* EventBridge bus: PutEvents, the record being the ``detail``;
* S3 bucket: the record is written as a JSON object.

A target that cannot take the message raises :class:`DeliveryError`; the caller counts it
(DeadLetterErrors, DestinationDeliveryFailures) and the message is dropped, as on AWS.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from lambda_lab import limits

if TYPE_CHECKING:
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock

TARGET_KINDS = ("sqs", "sns", "lambda", "events", "s3")


class DeliveryError(Exception):
    """A message that could not be delivered; the text says which target and why."""


def target_kind(arn: str) -> str:
    """``sqs`` | ``sns`` | ``lambda`` | ``events`` | ``s3`` for a target ARN, or ValueError."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(
            f"expected an ARN such as arn:aws:sqs:us-east-1:123456789012:my-queue (got {arn!r})"
        )
    service = parts[2]
    if service == "events" and not parts[5].startswith("event-bus/"):
        raise ValueError(
            f"an EventBridge target must be an event bus ARN (…:event-bus/name), got {arn!r}"
        )
    if service == "lambda" and not (len(parts) >= 7 and parts[5] == "function"):
        raise ValueError(f"a Lambda target must be a function ARN (…:function:name), got {arn!r}")
    if service not in TARGET_KINDS:
        raise ValueError(f"the Lab delivers to {', '.join(TARGET_KINDS)} ARNs (got {arn!r})")
    return service


class AsyncInvoke(Protocol):
    """Queue an asynchronous invoke of a function (name or ARN), as ``lab.invoke_async`` does."""

    def __call__(self, name: str, *, payload: bytes) -> object: ...


class Deliverer:
    def __init__(self, clients: Clients, clock: Clock, invoke_async: AsyncInvoke) -> None:
        self._clients = clients
        self._clock = clock
        self._invoke_async = invoke_async

    def send(
        self,
        arn: str,
        message: Any,
        *,
        attributes: dict[str, Any] | None = None,
        event_fields: dict[str, Any] | None = None,
    ) -> None:
        """Deliver ``message`` (a JSON value, or text sent as is) to ``arn``.

        ``attributes`` are SQS/SNS message attributes (the DLQ's three). ``event_fields``
        give an EventBridge bus entry its Source, DetailType and Resources.
        """
        kind = target_kind(arn)
        text = message if isinstance(message, str) else json.dumps(message)
        try:
            getattr(self, f"_to_{kind}")(arn, text, attributes or {}, event_fields or {})
        except DeliveryError:
            raise
        except Exception as exc:  # botocore's ClientError and the Lab's own errors alike
            raise DeliveryError(f"could not deliver to {arn}: {exc}") from exc

    def _client(self, service: str) -> Any:
        return self._clients(service)

    def _to_sqs(self, arn: str, text: str, attributes: dict[str, Any], _: dict[str, Any]) -> None:
        account, name = arn.split(":")[4], arn.split(":")[5]
        if name.endswith(".fifo"):
            raise DeliveryError(f"{arn} is a FIFO queue: Lambda sends only to standard queues")
        sqs = self._client("sqs")
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=text, MessageAttributes=attributes)

    def _to_sns(self, arn: str, text: str, attributes: dict[str, Any], _: dict[str, Any]) -> None:
        if arn.endswith(".fifo"):
            raise DeliveryError(f"{arn} is a FIFO topic: Lambda sends only to standard topics")
        if len(text.encode()) > limits.SNS_MESSAGE_MAX_BYTES:
            raise DeliveryError(
                f"the message is {len(text.encode())} bytes; SNS takes at most {limits.SNS_MESSAGE_MAX_BYTES}"
            )
        self._client("sns").publish(TopicArn=arn, Message=text, MessageAttributes=attributes)

    def _to_lambda(self, arn: str, text: str, _: dict[str, Any], __: dict[str, Any]) -> None:
        self._invoke_async(arn, payload=text.encode())

    def _to_events(self, arn: str, text: str, _: dict[str, Any], fields: dict[str, Any]) -> None:
        entry = {
            "Source": fields.get("source", "lambda"),
            "DetailType": fields.get("detail-type", "Lambda Function Invocation Result"),
            "Detail": text,
            "Resources": list(fields.get("resources", [])),
            "EventBusName": arn,
        }
        answer = self._client("events").put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            raise DeliveryError(f"{arn} refused the event: {answer['Entries'][0]}")

    def _to_s3(self, arn: str, text: str, _: dict[str, Any], fields: dict[str, Any]) -> None:
        bucket = arn.split(":")[5]
        key = fields.get("s3_key") or f"lambda-lab/{self._clock.time():.3f}.json"
        self._client("s3").put_object(
            Bucket=bucket, Key=key, Body=text.encode(), ContentType="application/json"
        )
