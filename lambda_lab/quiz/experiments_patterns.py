"""Lab experiments on event-driven patterns: triggers, schedules, batching, filtering,
fan-out, idempotency, and bursts at AWS's scale in the simulator.

They run on a virtual clock, so an hour of schedules or a minute of batching passes at
once, and show what reached the function and what did not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lambda_lab.quiz.evidence import exhibit, experiment_lab
from lambda_lab.quiz.experiments import experiment

_ECHO = "def lambda_handler(event, context):\n    return event\n"
_BATCH_SIZE = "def lambda_handler(event, context):\n    return len(event['Records'])\n"
_CHARGE_ONCE = """
import boto3
from botocore.exceptions import ClientError

table = boto3.client("dynamodb")

def lambda_handler(event, context):
    try:
        table.put_item(
            TableName="quiz-payments",
            Item={"payment_id": {"S": event["payment_id"]}},
            ConditionExpression="attribute_not_exists(payment_id)",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return "already charged: skipped"
        raise
    return "charged"
"""


@contextmanager
def _lab(**options: Any) -> Iterator[Any]:
    options.setdefault("clock", "virtual")
    with experiment_lab(**options) as lab:
        yield lab


def _invocations(lab: Any, name: str) -> int:
    return len(lab.records.for_function(name))


@experiment("how many times one upload to a bucket with a notification invokes the function")
def s3_upload_invokes_its_function() -> int:
    with _lab() as lab:
        s3 = lab.client("s3")
        s3.create_bucket(Bucket="quiz-photos")
        arn = lab.deploy("quiz-thumbnail", _ECHO)["FunctionArn"]
        rule = {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}
        s3.put_bucket_notification_configuration(
            Bucket="quiz-photos", NotificationConfiguration={"LambdaFunctionConfigurations": [rule]}
        )
        s3.put_object(Bucket="quiz-photos", Key="uploads/cat.jpg", Body=b"jpeg")
        lab.clock.run_until_idle()
        (event,) = lab.async_queue.events("quiz-thumbnail")
        exhibit("The event S3 sent (asynchronously)", json.loads(event.payload))
        return _invocations(lab, "quiz-thumbnail")


@experiment("how many times a rate(1 hour) schedule invokes its function in one day")
def hourly_schedule_runs_in_a_day() -> int:
    with _lab() as lab:
        arn = lab.deploy("quiz-cleanup", _ECHO)["FunctionArn"]
        events = lab.client("events")
        events.put_rule(Name="quiz-hourly", ScheduleExpression="rate(1 hour)")
        events.put_targets(Rule="quiz-hourly", Targets=[{"Id": "1", "Arn": arn}])
        lab.clock.advance(days=1)
        return _invocations(lab, "quiz-cleanup")


@experiment("invocations for 5 SQS messages with BatchSize 100 and a 60-second window")
def batching_window_fills_one_batch() -> int:
    with _lab() as lab:
        sqs = lab.client("sqs")
        url = sqs.create_queue(QueueName="quiz-clicks", Attributes={"VisibilityTimeout": "60"})[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        lab.deploy("quiz-batcher", _BATCH_SIZE)
        lab.client().create_event_source_mapping(
            FunctionName="quiz-batcher",
            EventSourceArn=arn,
            BatchSize=100,
            MaximumBatchingWindowInSeconds=60,
        )
        for number in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=f"click {number}")
        lab.clock.advance(seconds=61)
        sizes = [r.outcome for r in lab.records.for_function("quiz-batcher")]
        exhibit("Invocations of quiz-batcher (outcome of each)", sizes)
        return _invocations(lab, "quiz-batcher")


@experiment("invocations for one insert and one update with an INSERT-only stream filter")
def dynamodb_insert_filter_skips_updates() -> int:
    with _lab() as lab:
        ddb = lab.client("dynamodb")
        table = ddb.create_table(
            TableName="quiz-users",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]
        lab.deploy("quiz-welcome", _ECHO)
        lab.client().create_event_source_mapping(
            FunctionName="quiz-welcome",
            EventSourceArn=table["LatestStreamArn"],
            StartingPosition="TRIM_HORIZON",
            FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
        )
        ddb.put_item(TableName="quiz-users", Item={"id": {"S": "u1"}, "name": {"S": "Ada"}})
        ddb.put_item(TableName="quiz-users", Item={"id": {"S": "u1"}, "name": {"S": "Ada L."}})
        lab.clock.advance(seconds=30)
        return _invocations(lab, "quiz-welcome")


@experiment("invocations of a subscriber whose filter policy wants region EU, for EU and US")
def sns_filter_policy_skips_other_messages() -> int:
    with _lab() as lab:
        sns = lab.client("sns")
        topic = sns.create_topic(Name="quiz-orders")["TopicArn"]
        arn = lab.deploy("quiz-eu-orders", _ECHO)["FunctionArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="lambda",
            Endpoint=arn,
            Attributes={"FilterPolicy": json.dumps({"region": ["EU"]})},
        )
        for region in ("EU", "US"):
            sns.publish(
                TopicArn=topic,
                Message=f"an order from {region}",
                MessageAttributes={"region": {"DataType": "String", "StringValue": region}},
            )
        lab.clock.run_until_idle()
        return _invocations(lab, "quiz-eu-orders")


@experiment("what an idempotent handler answers when the same payment arrives twice")
def idempotent_write_ignores_a_redelivery() -> str:
    with _lab() as lab:
        lab.client("dynamodb").create_table(
            TableName="quiz-payments",
            KeySchema=[{"AttributeName": "payment_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "payment_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        lab.deploy("quiz-charge", _CHARGE_ONCE)
        answers = [lab.invoke("quiz-charge", {"payment_id": "p-42"}).value for _ in range(2)]
        exhibit("The two deliveries of payment p-42", answers)
        return str(answers[-1])


@experiment("of 3,000 requests arriving at once at one function, how many run at first")
def burst_of_requests_in_the_simulator() -> int:
    from lambda_lab.simulate import FunctionConfig, simulate
    from lambda_lab.simulate.arrivals import Burst

    result = simulate(
        FunctionConfig("quiz-api", duration=100.0), Burst("quiz-api", 3000), account_limit=10_000
    )
    exhibit(
        "The simulator's count",
        {
            "arrived": result.arrivals,
            "ran": result.invocations,
            "throttled (429) by Reason": result.throttles_by_reason,
        },
    )
    return result.invocations
