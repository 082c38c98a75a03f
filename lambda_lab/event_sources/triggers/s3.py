"""S3 event notifications to Lambda: what moto stores, the Lab fires (facts section 9.1).

After a successful PUT, POST, COPY, multipart completion or DELETE of an object, the bucket's
LambdaFunctionConfigurations are matched (event type with ``*`` wildcards, ``prefix`` and
``suffix`` key filters) and each match queues an asynchronous invoke with AWS's record:
eventVersion 2.1, the key URL-encoded form style, ``sequencer`` on PUT and DELETE.

Saving a configuration is checked as S3 does: every function must exist, and two rules for
the same event type must not overlap in their prefixes and suffixes.
"""

from __future__ import annotations

import itertools
import threading
import xml.etree.ElementTree as ElementTree
from typing import TYPE_CHECKING, Any

from lambda_lab.aws.aws_request import AwsRequest
from lambda_lab.aws.middleware import Reply
from lambda_lab.event_sources.shapes.events import records_event, s3_record, s3_sequencer

if TYPE_CHECKING:
    from lambda_lab.aws.endpoint import Clients
    from lambda_lab.clock import Clock
    from lambda_lab.control.functions import Registry
    from lambda_lab.event_sources.triggers import TriggerInvoke

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
CREATED = {"PutObject": "ObjectCreated:Put", "PostObject": "ObjectCreated:Post", "CopyObject": "ObjectCreated:Copy",
           "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload"}  # fmt: skip


def s3_error(code: str, message: str, status: int = 400) -> Reply:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Reply(status, [("Content-Type", "application/xml")], body.encode())


class S3Notifications:
    def __init__(
        self,
        *,
        clients: Clients,
        clock: Clock,
        functions: Registry,
        trigger: TriggerInvoke,
        region: str,
    ) -> None:
        self._clients = clients
        self._clock = clock
        self._functions = functions
        self._trigger = trigger
        self._region = region
        self._sequence = itertools.count(1)
        self._lock = threading.Lock()

    # -- saving a configuration ---------------------------------------------------------------
    def check_configuration(self, request: AwsRequest) -> Reply | None:
        """S3's own checks on PutBucketNotificationConfiguration, for the Lambda part."""
        rules = _lambda_rules(request.body)
        missing = [arn for _, arn, _, _, _ in rules if not self._function_exists(arn)]
        if missing:
            return s3_error(
                "InvalidArgument",
                "Unable to validate the following destination configurations: "
                + ", ".join(missing),
            )
        for first, second in itertools.combinations(rules, 2):
            shared = set(_expand(first[2])) & set(_expand(second[2]))
            if (
                shared
                and _overlap(first[3], second[3])
                and _overlap(first[4], second[4], suffix=True)
            ):
                return s3_error(
                    "InvalidArgument",
                    "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules if the "
                    f"prefixes are overlapping for the same event type (rules {first[0]!r} and {second[0]!r}).",
                )
        return None

    def _function_exists(self, arn: str) -> bool:
        try:
            self._functions.get(arn)
        except Exception:
            return False
        return True

    # -- firing --------------------------------------------------------------------------------
    def object_written(self, request: AwsRequest, reply: Reply) -> None:
        bucket, key = request.bucket_and_key
        if request.operation == "DeleteObjects":
            for deleted in _deleted_keys(reply.body):
                name = "ObjectRemoved:DeleteMarkerCreated" if deleted[1] else "ObjectRemoved:Delete"
                self._fire(bucket, deleted[0], name, version_id=deleted[2])
            return
        if request.operation == "DeleteObject":
            marker = (reply.header("x-amz-delete-marker") or "").lower() == "true"
            self._fire(
                bucket,
                key,
                "ObjectRemoved:DeleteMarkerCreated" if marker else "ObjectRemoved:Delete",
                version_id=reply.header("x-amz-version-id"),
            )
            return
        if request.operation == "PostObject":
            key = request.form().get("key", key)
        head = self._clients("s3").head_object(Bucket=bucket, Key=key)
        self._fire(
            bucket,
            key,
            CREATED[request.operation],
            size=head.get("ContentLength"),
            etag=head.get("ETag"),
            version_id=head.get("VersionId"),
        )

    def _fire(self, bucket: str, key: str, event_name: str, **facts: Any) -> None:
        if not key:
            return
        configuration = self._clients("s3").get_bucket_notification_configuration(Bucket=bucket)
        sequencer = None
        if event_name.endswith((":Put", ":Delete", ":DeleteMarkerCreated")):
            with self._lock:
                sequencer = s3_sequencer(next(self._sequence))
        for rule in configuration.get("LambdaFunctionConfigurations", []):
            if not _matches(rule, event_name, key):
                continue
            record = s3_record(
                bucket, key, at=self._clock.time(), event_name=event_name, region=self._region,
                configuration_id=rule.get("Id", "lambda-lab-notification"), sequencer=sequencer,
                **{k: v for k, v in facts.items() if v is not None},
            )  # fmt: skip
            self._trigger(rule["LambdaFunctionArn"], records_event(record), source="s3")


def _matches(rule: dict[str, Any], event_name: str, key: str) -> bool:
    wanted = [e.removeprefix("s3:") for e in rule.get("Events", [])]
    if not any(
        w == event_name or (w.endswith(":*") and event_name.startswith(w[:-1])) for w in wanted
    ):
        return False
    for filter_rule in rule.get("Filter", {}).get("Key", {}).get("FilterRules", []):
        name, value = filter_rule["Name"].lower(), filter_rule["Value"]
        if (name == "prefix" and not key.startswith(value)) or (
            name == "suffix" and not key.endswith(value)
        ):
            return False
    return True


def _lambda_rules(body: bytes) -> list[tuple[str, str, list[str], str, str]]:
    """(id, function ARN, events, prefix, suffix) of each CloudFunctionConfiguration in the XML."""
    try:
        root = ElementTree.fromstring(body or b"<NotificationConfiguration/>")
    except ElementTree.ParseError:
        return []
    rules = []
    for node in root.iter():
        if node.tag.removeprefix(_NS) != "CloudFunctionConfiguration":
            continue
        text = {child.tag.removeprefix(_NS): (child.text or "") for child in node}
        events = [e.text or "" for e in node.iter() if e.tag.removeprefix(_NS) == "Event"]
        filters = {"prefix": "", "suffix": ""}
        for filter_rule in (n for n in node.iter() if n.tag.removeprefix(_NS) == "FilterRule"):
            parts = {c.tag.removeprefix(_NS): (c.text or "") for c in filter_rule}
            filters[parts.get("Name", "").lower()] = parts.get("Value", "")
        rules.append(
            (
                text.get("Id", ""),
                text.get("CloudFunction", ""),
                events,
                filters["prefix"],
                filters["suffix"],
            )
        )
    return rules


def _expand(events: list[str]) -> list[str]:
    """Event types with the ``*`` family spelled out, so ``ObjectCreated:*`` overlaps ``...:Put``."""
    families = {"ObjectCreated": ("Put", "Post", "Copy", "CompleteMultipartUpload"),
                "ObjectRemoved": ("Delete", "DeleteMarkerCreated")}  # fmt: skip
    expanded = []
    for event in (e.removeprefix("s3:") for e in events):
        family, _, kind = event.partition(":")
        expanded += (
            [f"{family}:{k}" for k in families.get(family, (kind,))] if kind == "*" else [event]
        )
    return expanded


def _overlap(first: str, second: str, suffix: bool = False) -> bool:
    """Two filters overlap when one could match what the other matches (an empty one matches all)."""
    if suffix:
        return first.endswith(second) or second.endswith(first)
    return first.startswith(second) or second.startswith(first)


def _deleted_keys(body: bytes) -> list[tuple[str, bool, str | None]]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return []
    found = []
    for node in root.iter():
        if node.tag.removeprefix(_NS) == "Deleted":
            text = {child.tag.removeprefix(_NS): (child.text or "") for child in node}
            marker = text.get("DeleteMarker", "").lower() == "true"
            found.append(
                (
                    text.get("Key", ""),
                    marker,
                    text.get("DeleteMarkerVersionId") or text.get("VersionId"),
                )
            )
    return found
