"""SNS topics with Lambda subscriptions: each Publish invokes the subscribed functions.

moto keeps topics and subscriptions (and delivers to SQS subscribers itself); when it would
hand a message to its own Lambda backend, the Lab takes over: after a successful Publish or
PublishBatch it queues an asynchronous invoke per ``lambda`` subscription, with AWS's SNS
record (facts section 9.4). A subscription's FilterPolicy on message attributes is honoured.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from lambda_lab.aws.aws_request import AwsRequest
from lambda_lab.aws.middleware import Reply
from lambda_lab.event_sources.matching.patterns import compile_pattern
from lambda_lab.event_sources.shapes.events import records_event, sns_record

if TYPE_CHECKING:
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock
    from lambda_lab.event_sources.triggers import TriggerInvoke

_MESSAGE_ID = re.compile(rb"<MessageId>([^<]+)</MessageId>")
_ENTRY_ID = re.compile(
    rb"<Id>([^<]+)</Id>\s*<MessageId>([^<]+)</MessageId>|<MessageId>([^<]+)</MessageId>\s*<Id>([^<]+)</Id>"
)


class SnsSubscriptions:
    def __init__(self, clients: Clients, clock: Clock, trigger: TriggerInvoke) -> None:
        self._clients = clients
        self._clock = clock
        self._trigger = trigger

    def published(self, request: AwsRequest, reply: Reply) -> None:
        fields = request.form()
        topic_arn = fields.get("TopicArn") or fields.get("TargetArn")
        if not topic_arn:
            return
        messages: list[tuple[str, str | None, dict[str, Any], str]] = []
        if request.operation == "Publish":
            found = _MESSAGE_ID.search(reply.body)
            message_id = found.group(1).decode() if found else ""
            attributes = _attributes(fields, "MessageAttributes")
            messages.append(
                (fields.get("Message", ""), fields.get("Subject"), attributes, message_id)
            )
        else:
            ids = _batch_message_ids(reply.body)
            index = 1
            while f"PublishBatchRequestEntries.member.{index}.Id" in fields:
                prefix = f"PublishBatchRequestEntries.member.{index}."
                entry_id = fields[prefix + "Id"]
                if entry_id in ids:
                    messages.append((fields.get(prefix + "Message", ""), fields.get(prefix + "Subject"),
                                     _attributes(fields, prefix + "MessageAttributes"), ids[entry_id]))  # fmt: skip
                index += 1
        if not messages:
            return
        subscriptions = self._lambda_subscriptions(topic_arn)
        for message, subject, attributes, message_id in messages:
            for subscription_arn, function_arn, policy in subscriptions:
                if policy is not None and not _passes(policy, attributes):
                    continue
                record = sns_record(
                    message, topic_arn=topic_arn, at=self._clock.time(), message_id=message_id or None,
                    subject=subject, message_attributes=attributes, subscription_id=subscription_arn.rsplit(":", 1)[-1],
                )  # fmt: skip
                self._trigger(function_arn, records_event(record), source="sns")

    def _lambda_subscriptions(self, topic_arn: str) -> list[tuple[str, str, Any]]:
        sns = self._clients("sns")
        found = []
        paginator = sns.get_paginator("list_subscriptions_by_topic")
        for page in paginator.paginate(TopicArn=topic_arn):
            for subscription in page.get("Subscriptions", []):
                if subscription.get("Protocol") != "lambda":
                    continue
                arn = subscription["SubscriptionArn"]
                attributes = sns.get_subscription_attributes(SubscriptionArn=arn).get(
                    "Attributes", {}
                )
                policy = attributes.get("FilterPolicy")
                found.append(
                    (arn, subscription["Endpoint"], json.loads(policy) if policy else None)
                )
        return found


def _attributes(fields: dict[str, str], prefix: str) -> dict[str, Any]:
    """``MessageAttributes.entry.N.Name`` / ``.Value.DataType`` / ``.Value.StringValue`` -> a dict."""
    found: dict[str, Any] = {}
    index = 1
    while f"{prefix}.entry.{index}.Name" in fields:
        base = f"{prefix}.entry.{index}."
        value: dict[str, Any] = {"DataType": fields.get(base + "Value.DataType", "String")}
        if base + "Value.StringValue" in fields:
            value["StringValue"] = fields[base + "Value.StringValue"]
        if base + "Value.BinaryValue" in fields:
            value["BinaryValue"] = fields[base + "Value.BinaryValue"]
        found[fields[base + "Name"]] = value
        index += 1
    return found


def _batch_message_ids(body: bytes) -> dict[str, str]:
    ids = {}
    for match in _ENTRY_ID.finditer(body):
        entry, message = (
            (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        )
        ids[entry.decode()] = message.decode()
    return ids


def _passes(policy: dict[str, Any], attributes: dict[str, Any]) -> bool:
    """An SNS filter policy (message-attribute scope) uses EventBridge's matching operators."""
    view: dict[str, Any] = {}
    for name, attribute in attributes.items():
        text = attribute.get("StringValue")
        if attribute.get("DataType", "").startswith("Number") and text is not None:
            try:
                view[name] = json.loads(text)
            except ValueError:
                view[name] = text
        elif attribute.get("DataType", "").startswith("String.Array") and text is not None:
            view[name] = json.loads(text)
        else:
            view[name] = text
    return compile_pattern(policy).matches(view)
