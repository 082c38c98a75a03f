"""Checks of lesson 01: event shapes, state that must live outside the function, today's limits."""

from __future__ import annotations

from typing import Any

from lambda_lab.exercises.context import CheckContext


def _events(region: str) -> dict[str, Any]:
    """One event of each kind, in the shapes the services send (trimmed to what matters)."""
    return {
        "s3": {
            "Records": [
                {
                    "eventVersion": "2.1",
                    "eventSource": "aws:s3",
                    "awsRegion": region,
                    "eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": "photos"}, "object": {"key": "a.jpg", "size": 1}},
                }
            ]
        },
        "sqs": {
            "Records": [
                {
                    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                    "body": "hello",
                    "eventSource": "aws:sqs",
                    "awsRegion": region,
                    "eventSourceARN": f"arn:aws:sqs:{region}:123456789012:orders",
                }
            ]
        },
        "eventbridge": {
            "version": "0",
            "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-12-01T10:00:00Z",
            "region": region,
            "resources": [],
            "detail": {},
        },
        "alb": {
            "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:..."}},
            "httpMethod": "GET",
            "path": "/",
            "queryStringParameters": {},
            "headers": {},
            "body": "",
            "isBase64Encoded": False,
        },
    }


def who_called(ctx: CheckContext) -> str:
    ctx.deploy("who-called")
    for expected, event in _events(ctx.lab.region).items():
        result = ctx.invoke("who-called", event)
        if result.function_error:
            ctx.failed_invoke(result, f"the {expected} event", f"'{expected}'")
        ctx.expect(
            result.value == expected,
            f"for an event from {expected} your function {ctx.outcome(result)}",
            f"'{expected}'",
        )
    return "an S3, an SQS, an EventBridge and an ALB event, each recognised"


def stateless(ctx: CheckContext) -> str:
    ctx.lab.client("dynamodb").create_table(
        TableName="carts",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "cart_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "cart_id", "AttributeType": "S"}],
    )
    ctx.deploy("cart", Timeout=10)
    for item in ("book", "pen"):
        result = ctx.invoke("cart", {"cart_id": "c1", "add": item})
        if result.function_error:
            ctx.failed_invoke(result, f"adding {item!r}", "the cart with the item in it")
    first = ctx.invoke("cart", {"cart_id": "c1"}).value
    ctx.expect(
        isinstance(first, dict) and first.get("items") == ["book", "pen"],
        f"in the same environment the cart came back as {first}",
        '{"cart_id": "c1", "items": ["book", "pen"]}',
    )
    # New configuration: Lambda retires the warm environment and the next call starts a new one.
    ctx.lab.client("lambda").update_function_configuration(
        FunctionName="cart", Description="new environment"
    )
    result = ctx.invoke("cart", {"cart_id": "c1"})
    if result.function_error:
        ctx.failed_invoke(result, "reading the cart in a new environment", "the same cart")
    ctx.expect(
        result.record.cold,
        "the last call was not a cold start",
        "a new environment (the check's own doing)",
    )
    cart = result.value
    ctx.expect(
        isinstance(cart, dict) and cart.get("items") == ["book", "pen"],
        f"a new environment answered {cart}: the items were kept in the old environment's memory",
        "the cart with book and pen, from any environment",
    )
    stored = (
        ctx.lab.client("dynamodb")
        .get_item(TableName="carts", Key={"cart_id": {"S": "c1"}})
        .get("Item")
    )
    ctx.expect(
        stored is not None, "the table carts has no item for c1", "the cart stored in DynamoDB"
    )
    return "a cold environment read the cart back from DynamoDB: book and pen"


def limits(ctx: CheckContext) -> str:
    from lambda_lab import limits as aws

    ctx.deploy("nightly-job")
    config = ctx.lab.client("lambda").get_function_configuration(FunctionName="nightly-job")
    memory, timeout = config["MemorySize"], config["Timeout"]
    ctx.expect(
        memory >= 2048,
        f"Lambda accepted {memory} MB, but the job needs 2 GB",
        "MemorySize of at least 2048",
    )
    ctx.expect(
        timeout >= 600,
        f"Lambda accepted a timeout of {timeout} s, but the job runs up to 10 minutes",
        "Timeout of at least 600",
    )
    result = ctx.invoke("nightly-job", {})
    if result.function_error:
        ctx.failed_invoke(result, "the job", "'done'")
    return (
        f"Lambda accepted {memory} MB (limit {aws.MEMORY_MAX_MB:,}) and {timeout} s "
        f"(limit {aws.TIMEOUT_MAX_S}), and the job ran"
    )
