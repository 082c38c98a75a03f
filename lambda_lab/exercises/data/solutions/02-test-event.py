# Exercise 02-test-event: return "value1 value2 value3" for the console's test event.


def lambda_handler(event, context):
    return " ".join([event["key1"], event["key2"], event["key3"]])
