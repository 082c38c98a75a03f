# Exercise 02-test-event: return "value1 value2 value3" for the console's test event.


def lambda_handler(event, context):
    return event.key1 + " " + event.key2
