# Exercise 06-partial-batch: only the failed messages should come back.


def process(body):
    if body.startswith("bad"):
        raise ValueError(f"cannot process {body!r}")
    print("processed", body)


def lambda_handler(event, context):
    for record in event["Records"]:
        process(record["body"])
    return {}


MAPPING = {
    "BatchSize": 10,
    "MaximumBatchingWindowInSeconds": 1,
}
