# Exercise 05-fix-502: serve <h1>Orders</h1> as an HTML page behind an ALB.


def lambda_handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "text/html"},
        "body": "<h1>Orders</h1>",
    }
