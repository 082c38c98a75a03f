"""The orders app's handlers (run unchanged on AWS: boto3, and shop_rules from the stack's
layer, which only the API function lists)."""

import json
import os

import boto3

sqs = boto3.client("sqs")


def take_order(event, context):
    """POST /orders (REST API, payload 1.0) or GET /health (HTTP API, payload 2.0)."""
    if event.get("version") == "2.0":
        return {"statusCode": 200, "body": json.dumps({"ok": True, "stage": os.environ["STAGE"]})}
    from shop_rules import MAX_ITEMS  # /opt/python/shop_rules.py, from SharedLayer

    order = json.loads(event["body"] or "{}")
    if len(order.get("items", [])) > MAX_ITEMS:
        return {"statusCode": 400, "body": json.dumps({"message": f"at most {MAX_ITEMS} items"})}
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
    return {
        "statusCode": 201,
        "body": json.dumps({"queued": order.get("id"), "version": context.function_version}),
    }


def work(event, context):
    """Order batches from SQS, and the hourly report from the schedule."""
    if "report" in event:
        print("REPORT-RUN", event["report"])
        return {"report": event["report"]}
    for record in event["Records"]:
        print("WORKED", record["body"])
    return {"batchItemFailures": []}


def audit(event, context):
    """Uploads (S3), notices (SNS), table changes (DynamoDB) and clicks (Kinesis)."""
    for record in event.get("Records", []):
        source = record.get("eventSource") or record.get("EventSource")
        print("AUDIT", source)
    return None
