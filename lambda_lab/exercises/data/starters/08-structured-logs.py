# Exercise 08-structured-logs: one JSON line per order: level, order_id, total.
import json


def lambda_handler(event, context):
    print("got order", event["order_id"], "for", event["total"])
    return "ok"
