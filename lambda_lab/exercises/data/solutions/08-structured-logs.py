# Exercise 08-structured-logs: one JSON line per order: level, order_id, total.
import json


def lambda_handler(event, context):
    level = "ERROR" if event["total"] < 0 else "INFO"
    print(json.dumps({"level": level, "order_id": event["order_id"], "total": event["total"]}))
    return "ok"
