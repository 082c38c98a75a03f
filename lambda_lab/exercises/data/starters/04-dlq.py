# Exercise 04-dlq: failing orders in failed-orders within 2 minutes of the first attempt.


def lambda_handler(event, context):
    raise RuntimeError(f"card declined for order {event['order']}")


CONFIG = {
    "Timeout": 3,
}

EVENT_INVOKE_CONFIG = {}
