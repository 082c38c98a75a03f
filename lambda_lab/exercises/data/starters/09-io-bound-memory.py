# Exercise 09-io-bound-memory: lowest monthly bill, each call under 150 ms.
import time


def lambda_handler(event, context):
    time.sleep(0.1)  # waiting for another service's answer
    return "ok"


CONFIG = {
    "MemorySize": 3008,
}
