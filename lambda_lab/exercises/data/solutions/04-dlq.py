# Exercise 04-dlq: failing orders in failed-orders within 2 minutes of the first attempt.


def lambda_handler(event, context):
    raise RuntimeError(f"card declined for order {event['order']}")


CONFIG = {
    "Timeout": 3,
    "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:us-east-1:123456789012:failed-orders"},
}

EVENT_INVOKE_CONFIG = {"MaximumRetryAttempts": 1}
