# Exercise 06-window-totals: one sales total per minute, however many batches the minute takes.
import base64
import json


def lambda_handler(event, context):
    total = 0
    for record in event["Records"]:
        sale = json.loads(base64.b64decode(record["kinesis"]["data"]))
        total += sale["amount"]
    print("TOTAL", total)
