# Exercise 07-reserved-concurrency: never more than 3 database connections at once.
import time


def lambda_handler(event, context):
    time.sleep(0.5)  # one connection to the orders database, held for half a second
    return "saved"


RESERVED_CONCURRENCY = 3
