# Exercise 14-idempotent: a payment must happen once per order, however often it is delivered.
import os

import boto3

dynamodb = boto3.client("dynamodb")


def lambda_handler(event, context):
    payment_id = f"payment-{event['order_id']}"  # the idempotency key: the same for a redelivery
    try:
        dynamodb.put_item(
            TableName=os.environ["TABLE_NAME"],
            Item={
                "payment_id": {"S": payment_id},
                "order_id": {"S": event["order_id"]},
                "amount": {"N": str(event["amount"])},
            },
            ConditionExpression="attribute_not_exists(payment_id)",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        stored = dynamodb.get_item(
            TableName=os.environ["TABLE_NAME"], Key={"payment_id": {"S": payment_id}}
        )["Item"]
        return {"payment_id": payment_id, "charged": int(stored["amount"]["N"])}
    return {"payment_id": payment_id, "charged": event["amount"]}
