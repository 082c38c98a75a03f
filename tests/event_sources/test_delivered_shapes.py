"""The events the Lab really delivers to a handler match AWS's documented samples field for field.

Each test wires a real trigger or mapping to a function that returns its event, lets the
clock run, and compares what the function received with the sample of
tests/event_sources/samples (keys exactly, value types; values are the Lab's own data).
"""

from __future__ import annotations

import base64
import json

from runtime_helpers import ECHO, events_received, make_queue, sample, shape_differences


def _received(lab, name):
    """The event each invocation of ``name`` received (the function returns its event)."""
    return [json.loads(e.payload) for e in lab.async_queue.events(name)]


def test_s3_put_event(virtual_lab):
    lab = virtual_lab
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="mybucket")
    s3.put_bucket_versioning(Bucket="mybucket", VersioningConfiguration={"Status": "Enabled"})
    function = lab.deploy("on-upload", ECHO)
    s3.put_bucket_notification_configuration(Bucket="mybucket", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "testConfigRule", "LambdaFunctionArn": function["FunctionArn"],
                                          "Events": ["s3:ObjectCreated:*"]}]})  # fmt: skip
    put = s3.put_object(Bucket="mybucket", Key="Happy Face.jpg", Body=b"x" * 1024)
    lab.clock.run_until_idle()
    (event,) = _received(lab, "on-upload")
    assert shape_differences(event, sample("s3_event.json")) == []
    record = event["Records"][0]
    assert record["eventName"] == "ObjectCreated:Put" and record["awsRegion"] == lab.region
    assert record["s3"]["configurationId"] == "testConfigRule"
    assert record["s3"]["object"]["key"] == "Happy+Face.jpg"  # URL-encoded, form style
    assert record["s3"]["object"]["size"] == 1024
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["object"]["versionId"] == put["VersionId"]


def test_sqs_batch(virtual_lab):
    lab = virtual_lab
    url, arn = make_queue(lab, "my-queue")
    lab.deploy("consumer", ECHO)
    lab.client("lambda").create_event_source_mapping(
        FunctionName="consumer", EventSourceArn=arn, BatchSize=5
    )
    sent = [
        lab.client("sqs").send_message(QueueUrl=url, MessageBody=f"Test message {i}.")
        for i in range(3)
    ]
    lab.clock.advance(seconds=1)
    assert [r.invocation_type for r in lab.records.for_function("consumer")] == ["poll"]
    (delivered,) = events_received(lab, "consumer")
    assert shape_differences(delivered, sample("sqs_event.json")) == []
    assert [r["messageId"] for r in delivered["Records"]] == [s["MessageId"] for s in sent]
    assert [r["body"] for r in delivered["Records"]] == [
        "Test message 0.",
        "Test message 1.",
        "Test message 2.",
    ]
    assert all(r["eventSourceARN"] == arn and r["attributes"]["ApproximateReceiveCount"] == "1"
               for r in delivered["Records"])  # fmt: skip


def test_kinesis_records(virtual_lab):
    lab = virtual_lab
    kinesis = lab.client("kinesis")
    kinesis.create_stream(StreamName="lambda-stream", ShardCount=1)
    arn = kinesis.describe_stream(StreamName="lambda-stream")["StreamDescription"]["StreamARN"]
    lab.deploy("reader", ECHO)
    lab.client("lambda").create_event_source_mapping(FunctionName="reader", EventSourceArn=arn,
                                                     StartingPosition="TRIM_HORIZON")  # fmt: skip
    put = kinesis.put_record(
        StreamName="lambda-stream", Data=b"Hello, this is a test.", PartitionKey="1"
    )
    lab.clock.advance(seconds=1)
    (delivered,) = events_received(lab, "reader")
    assert shape_differences(delivered, sample("kinesis_event.json")) == []
    record = delivered["Records"][0]
    assert base64.b64decode(record["kinesis"]["data"]) == b"Hello, this is a test."
    assert record["kinesis"]["sequenceNumber"] == put["SequenceNumber"]
    assert len(put["SequenceNumber"]) == 56 and put["SequenceNumber"].startswith("49")  # AWS's
    assert record["eventID"] == f"{put['ShardId']}:{put['SequenceNumber']}"
    assert record["invokeIdentityArn"] == lab.functions.get("reader").role


def test_dynamodb_stream_records(virtual_lab):
    lab = virtual_lab
    ddb = lab.client("dynamodb")
    table = ddb.create_table(
        TableName="TestTable", KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "N"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]  # fmt: skip
    lab.deploy("changes", ECHO)
    lab.client("lambda").create_event_source_mapping(FunctionName="changes", EventSourceArn=table["LatestStreamArn"],
                                                     StartingPosition="TRIM_HORIZON")  # fmt: skip
    ddb.put_item(TableName="TestTable", Item={"Id": {"N": "101"}, "Message": {"S": "New item!"}})
    lab.clock.advance(seconds=1)
    (delivered,) = events_received(lab, "changes")
    assert shape_differences(delivered, sample("dynamodb_event.json")) == []
    record = delivered["Records"][0]
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"] == {"Id": {"N": "101"}, "Message": {"S": "New item!"}}
    assert record["dynamodb"]["SizeBytes"] == 26  # as in AWS's own sample for this very item
    assert record["eventSourceARN"] == table["LatestStreamArn"]
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
    assert len(record["dynamodb"]["SequenceNumber"]) >= 21  # AWS: 21+ digit numbers
    label = table["LatestStreamArn"].rsplit("/", 1)[1]  # AWS: 2015-05-11T21:21:33.291
    assert len(label) == 23 and label[19] == "."
    ddb.update_item(TableName="TestTable", Key={"Id": {"N": "101"}}, UpdateExpression="SET Message = :m",
                    ExpressionAttributeValues={":m": {"S": "Changed"}})  # fmt: skip
    lab.clock.advance(seconds=1)
    modify = events_received(lab, "changes")[-1]["Records"][0]
    assert modify["eventName"] == "MODIFY"
    assert modify["dynamodb"]["OldImage"]["Message"] == {"S": "New item!"}
    assert modify["dynamodb"]["NewImage"]["Message"] == {"S": "Changed"}


def test_scheduled_event(virtual_lab):
    lab = virtual_lab
    function = lab.deploy("cron", ECHO)
    events = lab.client("events")
    rule = events.put_rule(Name="my-schedule", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="my-schedule", Targets=[{"Id": "1", "Arn": function["FunctionArn"]}])
    lab.clock.advance(minutes=1)
    (event,) = _received(lab, "cron")
    assert shape_differences(event, sample("scheduled_event.json")) == []
    assert event["resources"] == [rule["RuleArn"]]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"


def test_sns_event(virtual_lab):
    lab = virtual_lab
    sns = lab.client("sns")
    topic = sns.create_topic(Name="sns-lambda")["TopicArn"]
    function = lab.deploy("subscriber", ECHO)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function["FunctionArn"])
    published = sns.publish(TopicArn=topic, Message="Hello from SNS!", Subject="TestInvoke", MessageAttributes={
        "Test": {"DataType": "String", "StringValue": "TestString"},
        "TestBinary": {"DataType": "Binary", "BinaryValue": b"TestBinary"},
    })  # fmt: skip
    lab.clock.run_until_idle()
    (event,) = _received(lab, "subscriber")
    assert shape_differences(event, sample("sns_event.json")) == []
    message = event["Records"][0]["Sns"]
    assert message["MessageId"] == published["MessageId"] and message["TopicArn"] == topic
    assert message["MessageAttributes"]["Test"] == {"Type": "String", "Value": "TestString"}
