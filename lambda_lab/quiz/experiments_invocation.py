"""Lab experiments behind the invocation-model, event-source and concurrency banks.

Each builds an exam scenario (a failing async event, a poison message, a throttled
function...) in a fresh Lab on a virtual clock, where minutes of retries
pass at once, and returns the value a quiz key must equal. They register on import.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lambda_lab.clock import VirtualClock
from lambda_lab.quiz.evidence import exhibit, experiment_lab
from lambda_lab.quiz.experiments import experiment

_FAILS = "def lambda_handler(event, context):\n    raise Exception('boom')\n"
_ECHO = "def lambda_handler(event, context):\n    return event\n"
_REPORTS_BAD = """
def lambda_handler(event, context):
    bad = [r["messageId"] for r in event["Records"] if r["body"].startswith("bad")]
    return {"batchItemFailures": [{"itemIdentifier": m} for m in bad]}
"""
_POISON = """
import base64

def lambda_handler(event, context):
    for record in event["Records"]:
        if base64.b64decode(record["kinesis"]["data"]) == b"poison":
            raise ValueError("cannot read this record")
"""
_INIT_TYPE = """
import os

def lambda_handler(event, context):
    return os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]
"""
_MONDAY = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)  # a Monday, 00:00 UTC


@contextmanager
def _lab(**options: Any) -> Iterator[Any]:
    """A fresh Lab on a virtual clock (closed, with every process it started, at the end)."""
    options.setdefault("clock", "virtual")
    with experiment_lab(**options) as lab:
        yield lab


def _queue(lab: Any, name: str, **attributes: str) -> tuple[str, str]:
    """(QueueUrl, QueueArn) of a new standard queue."""
    sqs = lab.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, found["Attributes"]["QueueArn"]


def _client_without_retries(lab: Any) -> Any:
    """A Lambda client that reports a throttle at once (SDKs retry 429s by default)."""
    from botocore.config import Config

    return lab.client("lambda", config=Config(retries={"mode": "standard", "max_attempts": 1}))


def _only_message(lab: Any, url: str) -> dict[str, Any]:
    answer = lab.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )
    messages = answer.get("Messages", [])
    if len(messages) != 1:
        raise RuntimeError(f"expected one message in {url}, found {len(messages)}")
    shown = {k: v for k, v in messages[0].items() if k in ("Body", "MessageAttributes")}
    exhibit(f"The message in {url.rsplit('/', 1)[-1]}", shown)
    return messages[0]


def _failed_async_event(lab: Any, **invoke_config: Any) -> Any:
    """Deploy an always-failing function, send it one Event and wait until it has ended."""
    lab.deploy("quiz-fails", _FAILS)
    if invoke_config:
        config = {"FunctionName": "quiz-fails", **invoke_config}
        lab.client("lambda").put_function_event_invoke_config(**config)
    answer = lab.invoke_async("quiz-fails", {"order": 42})
    lab.clock.run_until_idle()
    journey = lab.async_queue.journey(answer["RequestId"])
    times = [f"{t:g} s" for t in journey.attempt_times]
    exhibit("The event's attempts (seconds after Lambda accepted it)", times)
    return journey


# -- invocation models ---------------------------------------------------------------------


def _invoke_status(invocation_type: str) -> int:
    with _lab() as lab:
        lab.deploy("quiz-echo", _ECHO)
        call = {"FunctionName": "quiz-echo", "InvocationType": invocation_type, "Payload": b"{}"}
        answer = lab.client("lambda").invoke(**call)
        exhibit(f"The Invoke answer ({invocation_type})", _shown_answer(answer))
        return int(answer["StatusCode"])


def _shown_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """An Invoke answer as the SDK returns it, payload read, metadata left out."""
    shown = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    if hasattr(shown.get("Payload"), "read"):
        shown["Payload"] = shown["Payload"].read().decode(errors="replace")
    return shown


@experiment("the HTTP status code of an Invoke with InvocationType Event")
def event_invoke_status_code() -> int:
    return _invoke_status("Event")


@experiment("the HTTP status code of an Invoke with InvocationType DryRun")
def dry_run_status_code() -> int:
    return _invoke_status("DryRun")


@experiment("the StatusCode of a synchronous Invoke whose handler raised an exception")
def sync_function_error_status_code() -> int:
    with _lab() as lab:
        lab.deploy("quiz-fails", _FAILS)
        answer = lab.client("lambda").invoke(FunctionName="quiz-fails", Payload=b"{}")
        exhibit("The Invoke answer the caller gets", _shown_answer(answer))
        error = answer.get("FunctionError")
        if error != "Unhandled":
            raise RuntimeError(f"expected FunctionError 'Unhandled', got {error!r}")
        return int(answer["StatusCode"])


@experiment("how many times an always-failing function runs for one asynchronous event")
def async_attempts_for_a_failing_event() -> int:
    with _lab() as lab:
        return int(_failed_async_event(lab).attempts)


@experiment("seconds from receiving a failing asynchronous event to its last attempt")
def async_last_attempt_offset_s() -> float:
    with _lab() as lab:
        return float(_failed_async_event(lab).attempt_times[-1])


@experiment("attempts of a failing asynchronous event whose maximum age is 100 seconds")
def async_attempts_with_event_age_100_s() -> int:
    with _lab() as lab:
        return int(_failed_async_event(lab, MaximumEventAgeInSeconds=100).attempts)


def _dead_letter_attributes() -> dict[str, Any]:
    """The message attributes of the DLQ message left by one failed event (no retries)."""
    with _lab() as lab:
        url, arn = _queue(lab, "quiz-dlq")
        lab.deploy("quiz-fails", _FAILS, DeadLetterConfig={"TargetArn": arn})
        config = {"FunctionName": "quiz-fails", "MaximumRetryAttempts": 0}
        lab.client("lambda").put_function_event_invoke_config(**config)
        lab.invoke_async("quiz-fails", {"order": 42})
        lab.clock.run_until_idle()
        return dict(_only_message(lab, url)["MessageAttributes"])


@experiment("the message attribute names Lambda adds to an event it puts in a DLQ")
def dlq_message_attribute_names() -> str:
    return ", ".join(sorted(_dead_letter_attributes()))


@experiment("the ErrorCode attribute of a DLQ message for an event whose handler raised")
def dlq_error_code_for_a_function_error() -> int:
    return int(_dead_letter_attributes()["ErrorCode"]["StringValue"])


@experiment("the condition in an on-failure destination record after the retries ran out")
def failure_destination_condition() -> str:
    with _lab() as lab:
        url, arn = _queue(lab, "quiz-failures")
        _failed_async_event(lab, DestinationConfig={"OnFailure": {"Destination": arn}})
        record = json.loads(_only_message(lab, url)["Body"])
        return str(record["requestContext"]["condition"])


@experiment("how many times a function with reserved concurrency 0 runs for one async event")
def async_attempts_with_reserved_zero() -> int:
    with _lab() as lab:
        lab.deploy("quiz-off", _ECHO)
        lab.client("lambda").put_function_concurrency(
            FunctionName="quiz-off", ReservedConcurrentExecutions=0
        )
        answer = lab.invoke_async("quiz-off", {"order": 42})
        lab.clock.run_until_idle()
        journey = lab.async_queue.journey(answer["RequestId"])
        exhibit("What became of the event", {"attempts": journey.attempts, "done": journey.done})
        return int(journey.attempts)


# -- event sources -------------------------------------------------------------------------


@experiment("the object key an S3 notification carries for the upload 'photos/red flower.jpg'")
def s3_event_key_for_a_name_with_a_space() -> str:
    with _lab() as lab:
        s3 = lab.client("s3")
        s3.create_bucket(Bucket="quiz-uploads")
        function_arn = lab.deploy("quiz-thumbnails", _ECHO)["FunctionArn"]
        rule = {"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}
        s3.put_bucket_notification_configuration(
            Bucket="quiz-uploads",
            NotificationConfiguration={"LambdaFunctionConfigurations": [rule]},
        )
        s3.put_object(Bucket="quiz-uploads", Key="photos/red flower.jpg", Body=b"jpeg")
        lab.clock.run_until_idle()
        (event,) = lab.async_queue.events("quiz-thumbnails")
        record = json.loads(event.payload)["Records"][0]
        exhibit("The S3 record the function receives", record)
        return str(record["s3"]["object"]["key"])


@experiment("how many of 3 SQS messages come back when the handler reports 1 failed item")
def sqs_messages_redelivered_after_a_partial_batch() -> int:
    with _lab() as lab:
        url, arn = _queue(lab, "quiz-jobs", VisibilityTimeout="30")
        lab.deploy("quiz-worker", _REPORTS_BAD)
        mapping = lab.client("lambda").create_event_source_mapping(
            FunctionName="quiz-worker",
            EventSourceArn=arn,
            FunctionResponseTypes=["ReportBatchItemFailures"],
        )
        for body in ("good 1", "bad 2", "good 3"):
            lab.client("sqs").send_message(QueueUrl=url, MessageBody=body)
        lab.clock.advance(seconds=31)  # one visibility timeout later, the failed ones are back
        history = lab.event_sources.mappings.poller(mapping["UUID"]).history
        exhibit("Batches the mapping delivered", [list(batch.ids) for batch in history])
        return len(history[1].ids)


@experiment("invocations for a poison SQS message when the queue's maxReceiveCount is 3")
def sqs_invocations_before_redrive() -> int:
    with _lab() as lab:
        _, dlq_arn = _queue(lab, "quiz-jobs-dlq")
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
        url, arn = _queue(lab, "quiz-jobs", VisibilityTimeout="30", RedrivePolicy=redrive)
        lab.deploy("quiz-worker", _FAILS)
        mapping = {"FunctionName": "quiz-worker", "EventSourceArn": arn}
        lab.client("lambda").create_event_source_mapping(**mapping)
        lab.client("sqs").send_message(QueueUrl=url, MessageBody="poison")
        lab.clock.advance(minutes=5)
        dead = lab.client("sqs").get_queue_attributes(
            QueueUrl=lab.client("sqs").get_queue_url(QueueName="quiz-jobs-dlq")["QueueUrl"],
            AttributeNames=["ApproximateNumberOfMessages"],
        )
        exhibit("Messages now in the dead-letter queue", dead["Attributes"])
        return len(lab.records.for_function("quiz-worker"))


@experiment("the error code when an SQS mapping's queue hides messages for less than the timeout")
def sqs_mapping_with_short_visibility_timeout() -> str:
    with _lab() as lab:
        _, arn = _queue(lab, "quiz-jobs", VisibilityTimeout="30")
        lab.deploy("quiz-slow", _ECHO, Timeout=60)
        client = lab.client("lambda")
        try:
            client.create_event_source_mapping(FunctionName="quiz-slow", EventSourceArn=arn)
        except client.exceptions.ClientError as exc:
            exhibit("CreateEventSourceMapping's error", exc.response["Error"])
            return str(exc.response["Error"]["Code"])
        return "created"


@experiment("the condition in a Kinesis mapping's on-failure record once its retries ran out")
def stream_failure_condition() -> str:
    with _lab() as lab:
        kinesis = lab.client("kinesis")
        kinesis.create_stream(StreamName="quiz-clicks", ShardCount=1)
        description = kinesis.describe_stream(StreamName="quiz-clicks")["StreamDescription"]
        url, arn = _queue(lab, "quiz-stream-failures")
        lab.deploy("quiz-reader", _POISON)
        lab.client("lambda").create_event_source_mapping(
            FunctionName="quiz-reader",
            EventSourceArn=description["StreamARN"],
            StartingPosition="TRIM_HORIZON",
            MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": arn}},
        )
        kinesis.put_record(StreamName="quiz-clicks", Data=b"poison", PartitionKey="user-1")
        lab.clock.advance(seconds=30)
        record = json.loads(_only_message(lab, url)["Body"])
        return str(record["requestContext"]["condition"])


@experiment("how often cron(0/15 8-17 ? * MON-FRI *) invokes its target on one Monday")
def weekday_cron_fires_on_a_monday() -> int:
    with _lab(clock=VirtualClock(start=_MONDAY.timestamp())) as lab:
        function_arn = lab.deploy("quiz-cron", _ECHO)["FunctionArn"]
        events = lab.client("events")
        rule = "quiz-office-hours"
        events.put_rule(Name=rule, ScheduleExpression="cron(0/15 8-17 ? * MON-FRI *)")
        events.put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": function_arn}])
        lab.clock.advance(days=1)
        records = lab.records.for_function("quiz-cron")
        times = [datetime.datetime.fromtimestamp(r.start, datetime.timezone.utc) for r in records]
        exhibit("When the rule invoked the function (UTC)", [f"{t:%a %H:%M}" for t in times])
        return len(records)


@experiment("whether EventBridge accepts cron(0 12 * * MON *), with both day fields set")
def cron_with_both_day_fields_accepted() -> bool:
    with _lab() as lab:
        events = lab.client("events")
        try:
            events.put_rule(Name="quiz-noon", ScheduleExpression="cron(0 12 * * MON *)")
        except events.exceptions.ClientError as exc:
            exhibit("PutRule's error", exc.response["Error"])
            return False
        return True


# -- concurrency ---------------------------------------------------------------------------


@experiment("the throttle Reason of a synchronous invoke when reserved concurrency is 0")
def reserved_zero_throttle_reason() -> str:
    with _lab() as lab:
        lab.deploy("quiz-off", _ECHO)
        client = _client_without_retries(lab)
        client.put_function_concurrency(FunctionName="quiz-off", ReservedConcurrentExecutions=0)
        return _throttle_reason(client, "quiz-off")


def _throttle_reason(client: Any, name: str) -> str:
    """Invoke ``name`` once: the Reason of its 429, shown as an exhibit, or "not throttled"."""
    try:
        client.invoke(FunctionName=name, Payload=b"{}")
    except client.exceptions.TooManyRequestsException as exc:
        response = {k: v for k, v in exc.response.items() if k != "ResponseMetadata"}
        response["HTTPStatusCode"] = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        exhibit("The throttled Invoke's error response", response)
        return str(exc.response["Reason"])
    return "not throttled"


@experiment("the throttle Reason when the account's unreserved concurrency is all in use")
def account_limit_throttle_reason() -> str:
    with _lab(account_concurrency=1) as lab:
        lab.deploy("quiz-busy", _ECHO)
        lab.concurrency.admit(lab.functions.get("quiz-busy"), "$LATEST")  # the only slot is taken
        return _throttle_reason(_client_without_retries(lab), "quiz-busy")


def _published_with_alias(lab: Any, reserved: int | None = None) -> Any:
    """Deploy quiz-api, publish version 1 behind the alias 'live'; return a Lambda client."""
    lab.deploy("quiz-api", _INIT_TYPE)
    client = lab.client("lambda")
    if reserved is not None:
        client.put_function_concurrency(
            FunctionName="quiz-api", ReservedConcurrentExecutions=reserved
        )
    version = client.publish_version(FunctionName="quiz-api")["Version"]
    client.create_alias(FunctionName="quiz-api", Name="live", FunctionVersion=version)
    return client


@experiment("AWS_LAMBDA_INITIALIZATION_TYPE inside a provisioned-concurrency environment")
def provisioned_initialization_type() -> str:
    with _lab() as lab:
        client = _published_with_alias(lab)
        client.put_provisioned_concurrency_config(
            FunctionName="quiz-api", Qualifier="live", ProvisionedConcurrentExecutions=1
        )
        lab.concurrency.provisioned.wait("quiz-api", "live")
        return str(lab.invoke("quiz-api", {}, qualifier="live").value)


@experiment("whether an alias may get provisioned concurrency 3 when the function reserves 2")
def provisioned_above_reserved_accepted() -> bool:
    with _lab() as lab:
        client = _published_with_alias(lab, reserved=2)
        try:
            client.put_provisioned_concurrency_config(
                FunctionName="quiz-api", Qualifier="live", ProvisionedConcurrentExecutions=3
            )
        except client.exceptions.InvalidParameterValueException as exc:
            exhibit("PutProvisionedConcurrencyConfig's error", exc.response["Error"])
            return False
        return True
