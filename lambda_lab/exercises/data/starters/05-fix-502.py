# Exercise 05-fix-502: serve <h1>Orders</h1> as an HTML page behind an ALB.


def lambda_handler(event, context):
    return "<h1>Orders</h1>"
