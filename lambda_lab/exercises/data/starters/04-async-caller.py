# Exercise 04-async-caller: hand the event to "worker" without waiting for it.
import json

import boto3

lambda_client = boto3.client("lambda")


def lambda_handler(event, context):
    answer = lambda_client.invoke(FunctionName="worker", Payload=json.dumps(event))
    return {"accepted": answer["StatusCode"]}
