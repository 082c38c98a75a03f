# Exercise 14-idempotent: a payment must happen once per order, however often it is delivered.
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")


def lambda_handler(event, context):
    payment_id = str(uuid.uuid4())
    dynamodb.put_item(
        TableName=os.environ["TABLE_NAME"],
        Item={
            "payment_id": {"S": payment_id},
            "order_id": {"S": event["order_id"]},
            "amount": {"N": str(event["amount"])},
        },
    )
    return {"payment_id": payment_id, "charged": event["amount"]}
