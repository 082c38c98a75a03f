# Exercise 11-secret-cache: read the database credentials from Secrets Manager (the secret's
# name is in the environment variable SECRET_ID; its value is JSON with "username" and
# "password") and return {"user": ..., "password": ...}. Keep a copy for at most
# CACHE_TTL_SECONDS (an environment variable) so that a rotated secret is picked up.
import json
import os
import time

import boto3

secrets = boto3.client("secretsmanager")
TTL = float(os.environ["CACHE_TTL_SECONDS"])
_cached = None  # (value, when it was fetched): survives between invocations of this environment


def credentials():
    global _cached
    if _cached is None or time.monotonic() - _cached[1] >= TTL:
        value = json.loads(secrets.get_secret_value(SecretId=os.environ["SECRET_ID"])["SecretString"])
        _cached = (value, time.monotonic())
    return _cached[0]


def lambda_handler(event, context):
    value = credentials()
    return {"user": value["username"], "password": value["password"]}
