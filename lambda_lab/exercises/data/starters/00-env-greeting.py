# Exercise 00-env-greeting: change CONFIG only, not the handler.
import os


def lambda_handler(event, context):
    return f"{os.environ['GREETING']}, {event['name']}!"


# The function's settings, in CreateFunction's own names.
CONFIG = {
    "MemorySize": 128,
    "Timeout": 3,
}
