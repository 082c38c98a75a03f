# Exercise 05-multi-value: change TARGET_GROUP_ATTRIBUTES only.
import json


def lambda_handler(event, context):
    tags = event["multiValueQueryStringParameters"].get("tag", [])
    return {
        "statusCode": 200,
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "body": json.dumps({"tags": tags}),
    }


TARGET_GROUP_ATTRIBUTES = {
    "lambda.multi_value_headers.enabled": "true",
}
