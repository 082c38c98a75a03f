# Exercise 03-stop-in-time: stop with more than 200 ms left; return done and left.
import time


def process(item):
    time.sleep(0.1)  # the work one item needs


def lambda_handler(event, context):
    items = event["items"]
    done = []
    for item in items:
        if context.get_remaining_time_in_millis() < 200:
            break
        process(item)
        done.append(item)
    return {"done": done, "left": items[len(done):]}
