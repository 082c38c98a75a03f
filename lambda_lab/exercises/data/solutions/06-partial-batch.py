# Exercise 06-partial-batch: only the failed messages should come back.


def process(body):
    if body.startswith("bad"):
        raise ValueError(f"cannot process {body!r}")
    print("processed", body)


def lambda_handler(event, context):
    failed = []
    for record in event["Records"]:
        try:
            process(record["body"])
        except ValueError as error:
            print("failed:", error)
            failed.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failed}


MAPPING = {
    "BatchSize": 10,
    "MaximumBatchingWindowInSeconds": 1,
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
}
