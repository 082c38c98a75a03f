# Exercise 01-who-called: return "s3", "sqs", "eventbridge" or "alb".


def lambda_handler(event, context):
    if "Records" in event:
        source = event["Records"][0].get("eventSource") or event["Records"][0].get("EventSource")
        return {"aws:s3": "s3", "aws:sqs": "sqs"}.get(source, "unknown")
    if "detail-type" in event and "source" in event:
        return "eventbridge"
    if "elb" in event.get("requestContext", {}):
        return "alb"
    return "unknown"
