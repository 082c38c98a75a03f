# Exercise 09-billed-waiting: five calls billed under 600 ms in all.
import time


def make_client():
    time.sleep(0.1)  # stands for boto3.client(...) with its setup
    return {"tax": 0.2}


client = make_client()  # once per environment


def lambda_handler(event, context):
    return round(event["amount"] * (1 + client["tax"]), 2)
