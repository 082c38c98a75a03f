# Exercise 00-fix-key: the test event is {"first": "Ada", "last": "Lovelace"}.


def lambda_handler(event, context):
    first = event["first"]
    last = event["last"]
    return f"{first} {last}"
