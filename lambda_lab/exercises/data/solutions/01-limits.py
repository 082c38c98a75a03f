# Exercise 01-limits: a nightly job that needs 2 GB and runs for up to 10 minutes.
import time


def lambda_handler(event, context):
    time.sleep(0.05)  # the job, much shortened for the check
    return "done"


CONFIG = {
    "MemorySize": 2048,
    "Timeout": 900,
}
