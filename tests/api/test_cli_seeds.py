"""Every `aws lambda ...` command in the lectures (shared/seeds/), run against `lambda-lab serve`.

The commands are the lectures' own text. Only what exists on AWS alone is replaced: the
DynamoDB stream ARN (an account's own table) becomes the ARN of a stream created in the
Lab. AWS CLI v1 (pip's awscli) gets the same command without `--cli-binary-format`, which
it does not know; Debian's v2 gets it verbatim plus `--endpoint-url`. The expected output is
AWS's documented one (Lambda developer guide, invocation-sync/async and with-ddb pages).
"""

from __future__ import annotations

import json
import shlex

import pytest
from serve_helpers import Served

SEED_COMMANDS = {
    "demo-lambda": "aws lambda invoke --function-name demo-lambda --cli-binary-format raw-in-base64-out "
    """--payload '{"key1": "value1", "key2": "value2", "key3": "value3" }' response.json""",
    "sync": """aws lambda invoke --function-name my-function --cli-binary-format raw-in-base64-out """
    """--payload '{ "key": "value" }' response.json""",
    "sync-explicit": """aws lambda invoke --function-name my-function --invocation-type\nRequestResponse """
    """--cli-binary-format raw-in-base64-out --payload\n'{ "key": "value" }' response.json""",
    "async": """aws lambda invoke --function-name my-function --invocation-type\nEvent --cli-binary-format """
    """raw-in-base64-out --payload '{ "key":\n"value" }' response.json""",
    "async-region": """aws lambda invoke --function-name lambda-alb --cli-binary-format raw-in-base64-out """
    """--payload '{"key1": "value1"}' --invocation-type Event --region eu-west-2 response.json""",
    "mapping": "aws lambda create-event-source-mapping --function-name my-function\n--batch-size 500 "
    "--maximum-batching-window-in-seconds 5\n--starting-position LATEST \\\n--event-source-arn\n"
    "arn:aws:dynamodb:us-east-2:123456789012:table/my-table/stream/2019-06-10T19:26:16.525",
}
SEED_STREAM_ARN = (
    "arn:aws:dynamodb:us-east-2:123456789012:table/my-table/stream/2019-06-10T19:26:16.525"
)

DEMO = "def lambda_handler(event, context):\n    print('value1 =', event['key1'])\n    return event['key1']\n"
MY_FUNCTION = (
    "def lambda_handler(event, context):\n    return {'statusCode': 200, 'received': event}\n"
)


def command(name: str, version: int, replace: dict[str, str] | None = None) -> list[str]:
    """The seed command as argv (shell quoting and line breaks as a shell reads them), minus `aws`."""
    words = shlex.split(SEED_COMMANDS[name].replace("\\\n", " "))
    words = [(replace or {}).get(w, w) for w in words]
    assert words[0] == "aws"
    if version == 1:  # v1 has no --cli-binary-format: it sends the payload text as it is
        at = words.index("--cli-binary-format") if "--cli-binary-format" in words else None
        if at is not None:
            del words[at : at + 2]
    return words[1:]


@pytest.fixture(scope="module")
def functions(served: Served) -> Served:
    from lambda_lab import package

    client = served.boto3("lambda")
    for name, code in (("demo-lambda", DEMO), ("my-function", MY_FUNCTION)):
        client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/x",
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package(code)},
        )
        client.get_waiter("function_active_v2").wait(FunctionName=name)  # Pending -> Active
    return served


def test_demo_lambda_returns_value1(functions: Served, version: int) -> None:
    out = functions.aws(*command("demo-lambda", version), version=version)
    assert json.loads(out.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    assert json.loads((functions.tmp / "response.json").read_text()) == "value1"


@pytest.mark.parametrize("name", ["sync", "sync-explicit"])
def test_synchronous_invokes(functions: Served, version: int, name: str) -> None:
    out = functions.aws(*command(name, version), version=version)
    assert json.loads(out.stdout) == {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
    assert json.loads((functions.tmp / "response.json").read_text()) == {
        "statusCode": 200,
        "received": {"key": "value"},
    }


def test_asynchronous_invoke_answers_202_at_once(functions: Served, version: int) -> None:
    out = functions.aws(*command("async", version), version=version)
    assert json.loads(out.stdout) == {"StatusCode": 202}
    assert (functions.tmp / "response.json").read_text() == ""


def test_asynchronous_invoke_in_another_region(tmp_path, version: int) -> None:
    from lambda_lab import package

    server = Served(tmp_path, region="eu-west-2").start()
    try:
        client = server.boto3("lambda")
        client.create_function(
            FunctionName="lambda-alb",
            Runtime="python3.12",
            Role="arn:aws:iam::123456789012:role/x",
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": package(MY_FUNCTION)},
        )
        client.get_waiter("function_active_v2").wait(FunctionName="lambda-alb")
        out = server.aws(*command("async-region", version), version=version)
        assert json.loads(out.stdout) == {"StatusCode": 202}
    finally:
        assert server.stop() == 0


def test_create_event_source_mapping_from_a_dynamodb_stream(
    functions: Served, version: int
) -> None:
    dynamodb = functions.boto3("dynamodb")
    table = f"my-table-v{version}"
    created = dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    stream_arn = created["TableDescription"]["LatestStreamArn"]
    mapping = functions.aws_json(
        *command("mapping", version, {SEED_STREAM_ARN: stream_arn}), version=version
    )
    # AWS's documented answer (with-ddb): the settings given, the state it starts in.
    assert mapping["BatchSize"] == 500
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["EventSourceArn"] == stream_arn
    assert mapping["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    assert mapping["State"] == "Creating"
    assert mapping["LastProcessingResult"] == "No records processed"
    assert mapping["StateTransitionReason"] == "USER_INITIATED"
    assert len(mapping["UUID"]) == 36
    listed = functions.aws_json(
        "lambda", "list-event-source-mappings", "--function-name", "my-function", version=version
    )
    assert mapping["UUID"] in [m["UUID"] for m in listed["EventSourceMappings"]]


def test_the_same_commands_through_boto3(functions: Served) -> None:
    """Each seed command as a learner writes it with unmodified boto3 (AWS_ENDPOINT_URL aside)."""
    client = functions.boto3("lambda")
    demo = client.invoke(
        FunctionName="demo-lambda",
        Payload=b'{"key1": "value1", "key2": "value2", "key3": "value3" }',
    )
    assert (demo["StatusCode"], demo["ExecutedVersion"], demo["Payload"].read()) == (
        200,
        "$LATEST",
        b'"value1"',
    )
    for kwargs in ({}, {"InvocationType": "RequestResponse"}):
        sync = client.invoke(FunctionName="my-function", Payload=b'{ "key": "value" }', **kwargs)
        assert sync["StatusCode"] == 200 and json.loads(sync["Payload"].read())["received"] == {
            "key": "value"
        }
    queued = client.invoke(
        FunctionName="my-function", InvocationType="Event", Payload=b'{ "key": "value" }'
    )
    assert (queued["StatusCode"], queued["Payload"].read()) == (202, b"")
    table = functions.boto3("dynamodb").create_table(
        TableName="my-table-boto3",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    mapping = client.create_event_source_mapping(
        FunctionName="my-function",
        BatchSize=500,
        MaximumBatchingWindowInSeconds=5,
        StartingPosition="LATEST",
        EventSourceArn=table["TableDescription"]["LatestStreamArn"],
    )
    assert mapping["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"], mapping["State"]) == (
        500,
        5,
        "Creating",
    )
