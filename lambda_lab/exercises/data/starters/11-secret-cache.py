# Exercise 11-secret-cache: read the database credentials from Secrets Manager (the secret's
# name is in the environment variable SECRET_ID; its value is JSON with "username" and
# "password") and return {"user": ..., "password": ...}. Keep a copy for at most
# CACHE_TTL_SECONDS (an environment variable) so that a rotated secret is picked up.
import json
import os

import boto3

secrets = boto3.client("secretsmanager")


def lambda_handler(event, context):
    value = json.loads(secrets.get_secret_value(SecretId=os.environ["SECRET_ID"])["SecretString"])
    return {"user": value["username"], "password": value["password"]}
