# Exercise 06-window-totals: one sales total per minute, however many batches the minute takes.
import base64
import json


def lambda_handler(event, context):
    state = event["state"]  # what the previous invocation of this window returned ({} at first)
    if event["isFinalInvokeForWindow"]:
        print("TOTAL", state.get("total", 0))
        return {"state": state}
    for record in event["Records"]:
        sale = json.loads(base64.b64decode(record["kinesis"]["data"]))
        state["total"] = state.get("total", 0) + sale["amount"]
    return {"state": state}
