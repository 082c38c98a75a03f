"""The event sources a mapping reads, kept by ``lambda-lab serve --state`` (definitions only).

moto holds queues, streams and tables in memory. So that a mapping still has its source
after a restart, the state keeps each SQS queue's name and settings, each Kinesis stream's
name and shard count, and each DynamoDB table's keys, capacity mode and stream settings,
and re-creates them on start. Their contents (messages, records, items) are not kept.
A re-created DynamoDB table gets a new stream label, hence a new stream ARN: :func:`restore`
returns how old ARNs map to new ones, so that mappings follow their table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambda_lab.lab import Lab

# Queue attributes SQS computes itself; CreateQueue rejects them.
_SQS_READ_ONLY = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed",
                  "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp", "LastModifiedTimestamp", "QueueArn",
                  "SqsManagedSseEnabled")  # fmt: skip


def export(lab: Lab) -> dict[str, list[dict[str, Any]]]:
    """The definitions of every queue, stream and table of the Lab's Region."""
    sqs, kinesis, dynamodb = (lab.aws.internal(s) for s in ("sqs", "kinesis", "dynamodb"))
    queues = []
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        queues.append(
            {
                "QueueName": url.rsplit("/", 1)[1],
                "Attributes": {k: v for k, v in attributes.items() if k not in _SQS_READ_ONLY},
                "Arn": attributes["QueueArn"],
            }
        )
    streams = []
    for name in kinesis.list_streams().get("StreamNames", []):
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        streams.append({"StreamName": name, "ShardCount": summary["OpenShardCount"]})
    tables = []
    for name in dynamodb.list_tables().get("TableNames", []):
        table = dynamodb.describe_table(TableName=name)["Table"]
        definition = {
            "TableName": name,
            "KeySchema": table["KeySchema"],
            "AttributeDefinitions": table["AttributeDefinitions"],
            "BillingMode": table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
            "LatestStreamArn": table.get("LatestStreamArn"),
        }
        if definition["BillingMode"] == "PROVISIONED":
            throughput = table["ProvisionedThroughput"]
            definition["ProvisionedThroughput"] = {
                "ReadCapacityUnits": max(1, throughput["ReadCapacityUnits"]),
                "WriteCapacityUnits": max(1, throughput["WriteCapacityUnits"]),
            }
        if table.get("StreamSpecification", {}).get("StreamEnabled"):
            definition["StreamSpecification"] = table["StreamSpecification"]
        tables.append(definition)
    return {"sqs": queues, "kinesis": streams, "dynamodb": tables}


def restore(lab: Lab, saved: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Re-create saved sources that do not exist; returns {old stream ARN: new stream ARN}."""
    sqs, kinesis, dynamodb = (lab.aws.internal(s) for s in ("sqs", "kinesis", "dynamodb"))
    for queue in saved.get("sqs", []):
        sqs.create_queue(QueueName=queue["QueueName"], Attributes=queue["Attributes"])
    existing = set(kinesis.list_streams().get("StreamNames", []))
    for stream in saved.get("kinesis", []):
        if stream["StreamName"] not in existing:
            kinesis.create_stream(StreamName=stream["StreamName"], ShardCount=stream["ShardCount"])
    moved: dict[str, str] = {}
    existing = set(dynamodb.list_tables().get("TableNames", []))
    for table in saved.get("dynamodb", []):
        if table["TableName"] in existing:
            continue
        old_stream = table.get("LatestStreamArn")
        created = dynamodb.create_table(
            **{k: v for k, v in table.items() if k != "LatestStreamArn"}
        )
        new_stream = created["TableDescription"].get("LatestStreamArn")
        if old_stream and new_stream:
            moved[old_stream] = new_stream
    return moved
