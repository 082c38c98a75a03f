# Exercise 09-bill-calculator: the monthly bill in dollars, without the free tier.
PRICES = {
    "request": 0.0000002,  # $0.20 per million requests
    "gb_second": {"x86_64": 0.0000166667, "arm64": 0.0000133334},  # first tier, us-east-1
}


def lambda_handler(event, context):
    requests = event["requests"]
    gb_seconds = requests * event["duration_ms"] / 1000 * event["memory_mb"] / 1024
    return requests * PRICES["request"] + gb_seconds * PRICES["gb_second"][event["architecture"]]
