# Exercise 02-handler-setting: fix CONFIG, not the code.


def handle_order(event, context):
    return {"order": event.get("order"), "status": "accepted"}


CONFIG = {
    "Handler": "lambda_function.lambda_handler",
}
