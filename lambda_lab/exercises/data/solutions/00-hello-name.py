# Exercise 00-hello-name: return "Hello, <name>!" for the event {"name": "<name>"}.


def lambda_handler(event, context):
    return f"Hello, {event['name']}!"
