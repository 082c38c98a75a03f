# Capstone: an upload service. HTTP API -> S3 -> ingest -> DynamoDB -> SQS -> process (retries, DLQ).
import json

API = '''
import json

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table("files")


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def lambda_handler(event, context):
    if event["requestContext"]["http"]["method"] == "POST":
        upload = json.loads(event.get("body") or "{}")
        key = "uploads/" + upload["name"]
        s3.put_object(Bucket="uploads", Key=key, Body=upload["content"].encode())
        return answer(202, {"key": key})
    key = "uploads/" + event["pathParameters"]["name"]
    item = table.get_item(Key={"key": key}).get("Item")
    if item is None:
        return answer(404, {"message": f"no upload {key}"})
    return answer(200, {"key": key, "status": item["status"], "size": int(item["size"])})
'''

INGEST = '''
import json
import os
import urllib.parse

import boto3

sqs = boto3.client("sqs")
table = boto3.resource("dynamodb").Table("files")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        table.put_item(Item={"key": key, "size": record["s3"]["object"]["size"], "status": "received"})
        sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps({"bucket": bucket, "key": key}))
'''

PROCESS = '''
import json

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table("files")


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        job = json.loads(record["body"])
        data = s3.get_object(Bucket=job["bucket"], Key=job["key"])["Body"].read()
        if data.startswith(b"poison"):
            print("cannot process", job["key"])
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        table.update_item(Key={"key": job["key"]}, UpdateExpression="SET #s = :s",
                          ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": "processed"})
    return {"batchItemFailures": failures}
'''


def queue_arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def build(lab):
    """Create the whole application in `lab`; return its HTTP front door."""
    s3, sqs, dynamodb, client = (lab.client(name) for name in ("s3", "sqs", "dynamodb", "lambda"))
    s3.create_bucket(Bucket="uploads")
    dynamodb.create_table(
        TableName="files", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
    )
    dlq_url = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    work_url = sqs.create_queue(QueueName="work", Attributes={
        "VisibilityTimeout": "30",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(sqs, dlq_url), "maxReceiveCount": "3"}),
    })["QueueUrl"]

    lab.deploy("api", API, Timeout=10)
    ingest = lab.deploy("ingest", INGEST, Timeout=10, Environment={"Variables": {"QUEUE_URL": work_url}})
    lab.deploy("process", PROCESS, Timeout=10)

    client.add_permission(FunctionName="ingest", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                          Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads")
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "LambdaFunctionArn": ingest["FunctionArn"], "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
        }]
    })
    client.create_event_source_mapping(FunctionName="process", EventSourceArn=queue_arn(sqs, work_url),
                                       BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    return lab.http_api("uploads-api", {"POST /uploads": "api", "GET /uploads/{name}": "api"})
